package briefing

// labels are the document's fixed words in one language.
type labels struct {
	briefing, owner, partners, period, status, tags, content, contentCount, generated string
	brief, objectives, due, audiences, messages, lineToTake, schedule, noContent      string
	unscheduled, week, page, timeLayout                                               string
	statuses, states                                                                  map[string]string
}

func (l labels) statusName(s string) string {
	if n, ok := l.statuses[s]; ok {
		return n
	}
	return s
}

func (l labels) stateName(s string) string {
	if n, ok := l.states[s]; ok {
		return n
	}
	return s
}

var english = labels{
	briefing: "Campaign briefing", owner: "Owner", partners: "Partners", period: "Period", status: "Status", tags: "Tags",
	content: "Content", contentCount: "%d items, %d variants", generated: "Generated %s (%s)",
	brief: "Brief", objectives: "Objectives and KPIs", due: "due", audiences: "Audiences", messages: "Key messages",
	lineToTake: "LINE TO TAKE", schedule: "Content schedule", noContent: "No content yet.",
	unscheduled: "Not scheduled", week: "Week %d of %d (from %s)", page: "Page %d of {nb}", timeLayout: "Mon 2006-01-02 15:04",
	statuses: map[string]string{"draft": "Draft", "active": "Active", "completed": "Completed", "archived": "Archived"},
	states: map[string]string{"draft": "Draft", "in_review": "In review", "changes_requested": "Changes requested",
		"approved": "Approved", "scheduled": "Scheduled"},
}

var ukrainian = labels{
	briefing: "Бриф кампанії", owner: "Власник", partners: "Партнери", period: "Період", status: "Статус", tags: "Теги",
	content: "Контент", contentCount: "матеріалів: %d, варіантів: %d", generated: "Створено %s (%s)",
	brief: "Бриф", objectives: "Цілі та KPI", due: "до", audiences: "Аудиторії", messages: "Ключові меседжі",
	lineToTake: "ОФІЦІЙНА ПОЗИЦІЯ", schedule: "Графік публікацій", noContent: "Контенту ще немає.",
	unscheduled: "Без дати", week: "Тиждень %d, %d (з %s)", page: "Сторінка %d з {nb}", timeLayout: "2006-01-02 15:04",
	statuses: map[string]string{"draft": "Чернетка", "active": "Активна", "completed": "Завершена", "archived": "В архіві"},
	states: map[string]string{"draft": "Чернетка", "in_review": "На погодженні", "changes_requested": "Потрібні зміни",
		"approved": "Погоджено", "scheduled": "Заплановано"},
}

func labelsFor(lang string) labels {
	if lang == "uk" {
		return ukrainian
	}
	return english
}
