package campaign

import (
	"context"
	"fmt"
	"sort"

	"github.com/attache-project/attache/internal/db"
)

// Plan is a campaign's objectives, audiences and key messages. Saving a
// plan part replaces it whole: the forms and the API send the full list.
type Plan struct {
	Objectives  []Objective  `json:"objectives"`
	Audiences   []Audience   `json:"audiences"`
	KeyMessages []KeyMessage `json:"key_messages"`
}

func replaceObjectives(ctx context.Context, q db.Queryer, campaignID int64, os []Objective) error {
	if _, err := q.ExecContext(ctx, "DELETE FROM objectives WHERE campaign_id = ?", campaignID); err != nil {
		return fmt.Errorf("replace objectives: %w", err)
	}
	for i := range os {
		o := &os[i]
		if err := q.QueryRowContext(ctx, `INSERT INTO objectives (campaign_id, title, metric, target_value, current_value, due_date, position)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, campaignID, o.Title, o.Metric, o.TargetValue, o.CurrentValue, o.DueDate, i).Scan(&o.ID); err != nil {
			return fmt.Errorf("insert objective: %w", err)
		}
	}
	return nil
}

func replaceAudiences(ctx context.Context, q db.Queryer, campaignID int64, as []Audience) error {
	if _, err := q.ExecContext(ctx, "DELETE FROM audiences WHERE campaign_id = ?", campaignID); err != nil {
		return fmt.Errorf("replace audiences: %w", err)
	}
	for i := range as {
		a := &as[i]
		if err := q.QueryRowContext(ctx, `INSERT INTO audiences (campaign_id, country, language, description, position)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, campaignID, a.Country, a.Language, a.Description, i).Scan(&a.ID); err != nil {
			return fmt.Errorf("insert audience: %w", err)
		}
	}
	return nil
}

func replaceKeyMessages(ctx context.Context, q db.Queryer, campaignID int64, ms []KeyMessage) error {
	if _, err := q.ExecContext(ctx, "DELETE FROM key_messages WHERE campaign_id = ?", campaignID); err != nil {
		return fmt.Errorf("replace key messages: %w", err)
	}
	for i := range ms {
		m := &ms[i]
		if err := q.QueryRowContext(ctx, `INSERT INTO key_messages (campaign_id, title, line_to_take, position)
			VALUES (?, ?, ?, ?) RETURNING id`, campaignID, m.Title, m.LineToTake, i).Scan(&m.ID); err != nil {
			return fmt.Errorf("insert key message: %w", err)
		}
		langs := make([]string, 0, len(m.Translations))
		for l := range m.Translations {
			langs = append(langs, l)
		}
		sort.Strings(langs)
		for _, l := range langs {
			if _, err := q.ExecContext(ctx, "INSERT INTO key_message_translations (message_id, language, text) VALUES (?, ?, ?)", m.ID, l, m.Translations[l]); err != nil {
				return fmt.Errorf("insert translation: %w", err)
			}
		}
	}
	return nil
}

func getPlan(ctx context.Context, q db.Queryer, campaignID int64) (Plan, error) {
	p := Plan{Objectives: []Objective{}, Audiences: []Audience{}, KeyMessages: []KeyMessage{}}
	rows, err := q.QueryContext(ctx, "SELECT id, title, metric, target_value, current_value, due_date FROM objectives WHERE campaign_id = ? ORDER BY position", campaignID)
	if err != nil {
		return p, fmt.Errorf("get objectives: %w", err)
	}
	for rows.Next() {
		var o Objective
		if err := rows.Scan(&o.ID, &o.Title, &o.Metric, &o.TargetValue, &o.CurrentValue, &o.DueDate); err != nil {
			rows.Close()
			return p, err
		}
		p.Objectives = append(p.Objectives, o)
	}
	rows.Close()
	rows, err = q.QueryContext(ctx, "SELECT id, country, language, description FROM audiences WHERE campaign_id = ? ORDER BY position", campaignID)
	if err != nil {
		return p, fmt.Errorf("get audiences: %w", err)
	}
	for rows.Next() {
		var a Audience
		if err := rows.Scan(&a.ID, &a.Country, &a.Language, &a.Description); err != nil {
			rows.Close()
			return p, err
		}
		p.Audiences = append(p.Audiences, a)
	}
	rows.Close()
	rows, err = q.QueryContext(ctx, `SELECT m.id, m.title, m.line_to_take, COALESCE(t.language, ''), COALESCE(t.text, '')
		FROM key_messages m LEFT JOIN key_message_translations t ON t.message_id = m.id
		WHERE m.campaign_id = ? ORDER BY m.position, t.language`, campaignID)
	if err != nil {
		return p, fmt.Errorf("get key messages: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m KeyMessage
		var lang, text string
		if err := rows.Scan(&m.ID, &m.Title, &m.LineToTake, &lang, &text); err != nil {
			return p, err
		}
		if n := len(p.KeyMessages); n == 0 || p.KeyMessages[n-1].ID != m.ID {
			m.Translations = map[string]string{}
			p.KeyMessages = append(p.KeyMessages, m)
		}
		if lang != "" {
			p.KeyMessages[len(p.KeyMessages)-1].Translations[lang] = text
		}
	}
	return p, rows.Err()
}
