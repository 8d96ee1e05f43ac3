-- Academy: courses (modules, lessons and their translations, quizzes,
-- assignments), cohorts and their members, and the learners' work:
-- progress, quiz attempts, submissions and reviews, self-assessments,
-- discussion, certificates and xAPI statements. Course content is loaded
-- from seed folders by slug; "retired" marks content a newer seed dropped,
-- kept so that learners' attempts and progress still read.
CREATE TABLE courses (
	id INTEGER PRIMARY KEY,
	org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	slug TEXT NOT NULL,
	title TEXT NOT NULL,
	summary TEXT NOT NULL DEFAULT '',
	language TEXT NOT NULL DEFAULT 'en',
	self_assessment TEXT NOT NULL DEFAULT '[]',
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL,
	UNIQUE (org_id, slug)
);

CREATE TABLE course_modules (
	id INTEGER PRIMARY KEY,
	course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	slug TEXT NOT NULL,
	title TEXT NOT NULL,
	summary TEXT NOT NULL DEFAULT '',
	requires_previous BOOLEAN NOT NULL DEFAULT 0,
	retired BOOLEAN NOT NULL DEFAULT 0,
	UNIQUE (course_id, slug)
);
CREATE INDEX course_modules_course ON course_modules(course_id, position);

CREATE TABLE lessons (
	id INTEGER PRIMARY KEY,
	module_id INTEGER NOT NULL REFERENCES course_modules(id) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	slug TEXT NOT NULL,
	title TEXT NOT NULL,
	body TEXT NOT NULL,
	completion TEXT NOT NULL CHECK (completion IN ('view', 'mark_done')),
	retired BOOLEAN NOT NULL DEFAULT 0,
	UNIQUE (module_id, slug)
);
CREATE INDEX lessons_module ON lessons(module_id, position);

CREATE TABLE lesson_translations (
	lesson_id INTEGER NOT NULL REFERENCES lessons(id) ON DELETE CASCADE,
	language TEXT NOT NULL,
	title TEXT NOT NULL,
	body TEXT NOT NULL,
	PRIMARY KEY (lesson_id, language)
);

-- One quiz per module; each attempt draws "draw" questions from the bank
-- (0 = all). max_attempts 0 = unlimited.
CREATE TABLE quizzes (
	id INTEGER PRIMARY KEY,
	module_id INTEGER NOT NULL UNIQUE REFERENCES course_modules(id) ON DELETE CASCADE,
	title TEXT NOT NULL,
	pass_percent INTEGER NOT NULL CHECK (pass_percent BETWEEN 0 AND 100),
	max_attempts INTEGER NOT NULL DEFAULT 0 CHECK (max_attempts >= 0),
	draw INTEGER NOT NULL DEFAULT 0 CHECK (draw >= 0),
	retake_after_pass BOOLEAN NOT NULL DEFAULT 0
);

-- spec holds the kind's data (choices and correct indexes, accepted
-- answers, pairs, items in order) as JSON.
CREATE TABLE quiz_questions (
	id INTEGER PRIMARY KEY,
	quiz_id INTEGER NOT NULL REFERENCES quizzes(id) ON DELETE CASCADE,
	key TEXT NOT NULL,
	position INTEGER NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('single', 'multiple', 'truefalse', 'short', 'matching', 'ordering')),
	prompt TEXT NOT NULL,
	points INTEGER NOT NULL DEFAULT 1 CHECK (points > 0),
	spec TEXT NOT NULL,
	feedback TEXT NOT NULL DEFAULT '',
	retired BOOLEAN NOT NULL DEFAULT 0,
	UNIQUE (quiz_id, key)
);

CREATE TABLE assignments (
	id INTEGER PRIMARY KEY,
	module_id INTEGER NOT NULL UNIQUE REFERENCES course_modules(id) ON DELETE CASCADE,
	slug TEXT NOT NULL,
	title TEXT NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('text', 'file', 'campaign_plan')),
	brief TEXT NOT NULL DEFAULT '',
	peer_review BOOLEAN NOT NULL DEFAULT 0,
	rubric TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE cohorts (
	id INTEGER PRIMARY KEY,
	course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	starts_on TEXT NOT NULL,
	ends_on TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL,
	created_by INTEGER REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX cohorts_course ON cohorts(course_id);

-- org_id is a participant's ministry (for the per-ministry report).
CREATE TABLE cohort_members (
	cohort_id INTEGER NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	role TEXT NOT NULL CHECK (role IN ('participant', 'trainer')),
	org_id INTEGER REFERENCES orgs(id) ON DELETE SET NULL,
	joined_at TIMESTAMP NOT NULL,
	PRIMARY KEY (cohort_id, user_id)
);
CREATE INDEX cohort_members_user ON cohort_members(user_id);

-- Enrolments by email of people without an account yet: the invitation to
-- the programme organisation goes through auth; the person joins the cohort
-- when they first reach the academy after accepting it.
CREATE TABLE cohort_invites (
	cohort_id INTEGER NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
	email TEXT NOT NULL,
	role TEXT NOT NULL CHECK (role IN ('participant', 'trainer')),
	org_id INTEGER REFERENCES orgs(id) ON DELETE SET NULL,
	invited_at TIMESTAMP NOT NULL,
	invited_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
	PRIMARY KEY (cohort_id, email)
);
CREATE INDEX cohort_invites_email ON cohort_invites(email);

CREATE TABLE lesson_progress (
	cohort_id INTEGER NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	lesson_id INTEGER NOT NULL REFERENCES lessons(id) ON DELETE CASCADE,
	viewed_at TIMESTAMP NOT NULL,
	completed_at TIMESTAMP,
	PRIMARY KEY (cohort_id, user_id, lesson_id)
);

-- drawn: the question ids of the attempt with their shuffles, fixed at the
-- start so that a reload shows the same attempt.
CREATE TABLE quiz_attempts (
	id INTEGER PRIMARY KEY,
	cohort_id INTEGER NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	quiz_id INTEGER NOT NULL REFERENCES quizzes(id) ON DELETE CASCADE,
	number INTEGER NOT NULL,
	drawn TEXT NOT NULL,
	answers TEXT NOT NULL DEFAULT '{}',
	score INTEGER NOT NULL DEFAULT 0,
	max_score INTEGER NOT NULL DEFAULT 0,
	passed BOOLEAN NOT NULL DEFAULT 0,
	started_at TIMESTAMP NOT NULL,
	submitted_at TIMESTAMP,
	UNIQUE (cohort_id, user_id, quiz_id, number)
);
CREATE INDEX quiz_attempts_quiz ON quiz_attempts(quiz_id);

CREATE TABLE submissions (
	id INTEGER PRIMARY KEY,
	cohort_id INTEGER NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	assignment_id INTEGER NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
	revision INTEGER NOT NULL,
	state TEXT NOT NULL CHECK (state IN ('submitted', 'returned', 'accepted')),
	body TEXT NOT NULL DEFAULT '',
	file_sha TEXT NOT NULL DEFAULT '',
	file_name TEXT NOT NULL DEFAULT '',
	file_type TEXT NOT NULL DEFAULT '',
	file_size INTEGER NOT NULL DEFAULT 0,
	sandbox_org_id INTEGER REFERENCES orgs(id) ON DELETE SET NULL,
	snapshot TEXT NOT NULL DEFAULT '',
	submitted_at TIMESTAMP NOT NULL,
	decided_at TIMESTAMP,
	UNIQUE (cohort_id, user_id, assignment_id, revision)
);
-- The trainers' "to grade" queue: submitted work, oldest first.
CREATE INDEX submissions_queue ON submissions(state, submitted_at);
CREATE INDEX submissions_assignment ON submissions(assignment_id);

-- scores: [{criterion, level, points, comment}]; decision is '' for a peer.
CREATE TABLE reviews (
	id INTEGER PRIMARY KEY,
	submission_id INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
	reviewer_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
	kind TEXT NOT NULL CHECK (kind IN ('trainer', 'peer')),
	scores TEXT NOT NULL DEFAULT '[]',
	comment TEXT NOT NULL DEFAULT '',
	decision TEXT NOT NULL DEFAULT '' CHECK (decision IN ('accept', 'revise', '')),
	points INTEGER NOT NULL DEFAULT 0,
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX reviews_submission ON reviews(submission_id);

CREATE TABLE peer_assignments (
	submission_id INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
	reviewer_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	assigned_at TIMESTAMP NOT NULL,
	done_at TIMESTAMP,
	PRIMARY KEY (submission_id, reviewer_id)
);
CREATE INDEX peer_assignments_reviewer ON peer_assignments(reviewer_id);

-- Training sandboxes: an organisation of one participant of one cohort
-- where they build campaign plans in the campaign studio. orgs.sandbox
-- marks it (and the missions made under it): nothing in a sandbox is ever
-- published.
ALTER TABLE orgs ADD COLUMN sandbox BOOLEAN NOT NULL DEFAULT 0;
CREATE TABLE sandboxes (
	org_id INTEGER PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
	cohort_id INTEGER NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created_at TIMESTAMP NOT NULL,
	UNIQUE (cohort_id, user_id)
);

-- answers: {statement key: 1..5}, the same statements at start and end.
CREATE TABLE self_assessments (
	cohort_id INTEGER NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	phase TEXT NOT NULL CHECK (phase IN ('start', 'end')),
	answers TEXT NOT NULL,
	submitted_at TIMESTAMP NOT NULL,
	PRIMARY KEY (cohort_id, user_id, phase)
);

CREATE TABLE cohort_posts (
	id INTEGER PRIMARY KEY,
	cohort_id INTEGER NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
	module_id INTEGER REFERENCES course_modules(id) ON DELETE CASCADE,
	user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
	body TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX cohort_posts_cohort ON cohort_posts(cohort_id, module_id, created_at);

-- credential: the signed Open Badges 3.0 credential as issued;
-- status_index: its bit in the revocation status list.
CREATE TABLE certificates (
	id INTEGER PRIMARY KEY,
	code TEXT NOT NULL UNIQUE,
	cohort_id INTEGER NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
	issued_at TIMESTAMP NOT NULL,
	revoked_at TIMESTAMP,
	revoked_reason TEXT NOT NULL DEFAULT '',
	status_index INTEGER NOT NULL UNIQUE,
	credential TEXT NOT NULL DEFAULT '',
	UNIQUE (cohort_id, user_id)
);
CREATE INDEX certificates_user ON certificates(user_id);

-- xAPI statements as stored (JSON), sent_at set once a configured Learning
-- Record Store accepted them.
CREATE TABLE xapi_statements (
	id TEXT PRIMARY KEY,
	user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
	cohort_id INTEGER REFERENCES cohorts(id) ON DELETE CASCADE,
	verb TEXT NOT NULL,
	statement TEXT NOT NULL,
	stored_at TIMESTAMP NOT NULL,
	sent_at TIMESTAMP
);
CREATE INDEX xapi_statements_cohort ON xapi_statements(cohort_id, stored_at);
CREATE INDEX xapi_statements_unsent ON xapi_statements(sent_at, stored_at);
