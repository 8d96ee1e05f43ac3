-- Academy: courses (modules, lessons and their translations, quizzes,
-- assignments), cohorts and their members, and the learners' work:
-- progress, quiz attempts, submissions and reviews, self-assessments,
-- discussion, certificates and xAPI statements. Course content is loaded
-- from seed folders by slug; "retired" marks content a newer seed dropped,
-- kept so that learners' attempts and progress still read.
CREATE TABLE courses (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	slug TEXT NOT NULL,
	title TEXT NOT NULL,
	summary TEXT NOT NULL DEFAULT '',
	language TEXT NOT NULL DEFAULT 'en',
	self_assessment TEXT NOT NULL DEFAULT '[]',
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL,
	UNIQUE (org_id, slug)
);

CREATE TABLE course_modules (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	course_id BIGINT NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	slug TEXT NOT NULL,
	title TEXT NOT NULL,
	summary TEXT NOT NULL DEFAULT '',
	requires_previous BOOLEAN NOT NULL DEFAULT FALSE,
	retired BOOLEAN NOT NULL DEFAULT FALSE,
	UNIQUE (course_id, slug)
);
CREATE INDEX course_modules_course ON course_modules(course_id, position);

CREATE TABLE lessons (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	module_id BIGINT NOT NULL REFERENCES course_modules(id) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	slug TEXT NOT NULL,
	title TEXT NOT NULL,
	body TEXT NOT NULL,
	completion TEXT NOT NULL CHECK (completion IN ('view', 'mark_done')),
	retired BOOLEAN NOT NULL DEFAULT FALSE,
	UNIQUE (module_id, slug)
);
CREATE INDEX lessons_module ON lessons(module_id, position);

CREATE TABLE lesson_translations (
	lesson_id BIGINT NOT NULL REFERENCES lessons(id) ON DELETE CASCADE,
	language TEXT NOT NULL,
	title TEXT NOT NULL,
	body TEXT NOT NULL,
	PRIMARY KEY (lesson_id, language)
);

-- One quiz per module; each attempt draws "draw" questions from the bank
-- (0 = all). max_attempts 0 = unlimited.
CREATE TABLE quizzes (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	module_id BIGINT NOT NULL UNIQUE REFERENCES course_modules(id) ON DELETE CASCADE,
	title TEXT NOT NULL,
	pass_percent INTEGER NOT NULL CHECK (pass_percent BETWEEN 0 AND 100),
	max_attempts INTEGER NOT NULL DEFAULT 0 CHECK (max_attempts >= 0),
	draw INTEGER NOT NULL DEFAULT 0 CHECK (draw >= 0),
	retake_after_pass BOOLEAN NOT NULL DEFAULT FALSE
);

-- spec holds the kind's data (choices and correct indexes, accepted
-- answers, pairs, items in order) as JSON.
CREATE TABLE quiz_questions (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	quiz_id BIGINT NOT NULL REFERENCES quizzes(id) ON DELETE CASCADE,
	key TEXT NOT NULL,
	position INTEGER NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('single', 'multiple', 'truefalse', 'short', 'matching', 'ordering')),
	prompt TEXT NOT NULL,
	points INTEGER NOT NULL DEFAULT 1 CHECK (points > 0),
	spec TEXT NOT NULL,
	feedback TEXT NOT NULL DEFAULT '',
	retired BOOLEAN NOT NULL DEFAULT FALSE,
	UNIQUE (quiz_id, key)
);

CREATE TABLE assignments (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	module_id BIGINT NOT NULL UNIQUE REFERENCES course_modules(id) ON DELETE CASCADE,
	slug TEXT NOT NULL,
	title TEXT NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('text', 'file', 'campaign_plan')),
	brief TEXT NOT NULL DEFAULT '',
	peer_review BOOLEAN NOT NULL DEFAULT FALSE,
	rubric TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE cohorts (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	course_id BIGINT NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	starts_on TEXT NOT NULL,
	ends_on TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	created_by BIGINT REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX cohorts_course ON cohorts(course_id);

-- org_id is a participant's ministry (for the per-ministry report).
CREATE TABLE cohort_members (
	cohort_id BIGINT NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	role TEXT NOT NULL CHECK (role IN ('participant', 'trainer')),
	org_id BIGINT REFERENCES orgs(id) ON DELETE SET NULL,
	joined_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (cohort_id, user_id)
);
CREATE INDEX cohort_members_user ON cohort_members(user_id);

-- Enrolments by email of people without an account yet: the invitation to
-- the programme organisation goes through auth; the person joins the cohort
-- when they first reach the academy after accepting it.
CREATE TABLE cohort_invites (
	cohort_id BIGINT NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
	email TEXT NOT NULL,
	role TEXT NOT NULL CHECK (role IN ('participant', 'trainer')),
	org_id BIGINT REFERENCES orgs(id) ON DELETE SET NULL,
	invited_at TIMESTAMPTZ NOT NULL,
	invited_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
	PRIMARY KEY (cohort_id, email)
);
CREATE INDEX cohort_invites_email ON cohort_invites(email);

CREATE TABLE lesson_progress (
	cohort_id BIGINT NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	lesson_id BIGINT NOT NULL REFERENCES lessons(id) ON DELETE CASCADE,
	viewed_at TIMESTAMPTZ NOT NULL,
	completed_at TIMESTAMPTZ,
	PRIMARY KEY (cohort_id, user_id, lesson_id)
);

-- drawn: the question ids of the attempt with their shuffles, fixed at the
-- start so that a reload shows the same attempt.
CREATE TABLE quiz_attempts (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	cohort_id BIGINT NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	quiz_id BIGINT NOT NULL REFERENCES quizzes(id) ON DELETE CASCADE,
	number INTEGER NOT NULL,
	drawn TEXT NOT NULL,
	answers TEXT NOT NULL DEFAULT '{}',
	score INTEGER NOT NULL DEFAULT 0,
	max_score INTEGER NOT NULL DEFAULT 0,
	passed BOOLEAN NOT NULL DEFAULT FALSE,
	started_at TIMESTAMPTZ NOT NULL,
	submitted_at TIMESTAMPTZ,
	UNIQUE (cohort_id, user_id, quiz_id, number)
);
CREATE INDEX quiz_attempts_quiz ON quiz_attempts(quiz_id);

CREATE TABLE submissions (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	cohort_id BIGINT NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	assignment_id BIGINT NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
	revision INTEGER NOT NULL,
	state TEXT NOT NULL CHECK (state IN ('submitted', 'returned', 'accepted')),
	body TEXT NOT NULL DEFAULT '',
	file_sha TEXT NOT NULL DEFAULT '',
	file_name TEXT NOT NULL DEFAULT '',
	file_type TEXT NOT NULL DEFAULT '',
	file_size BIGINT NOT NULL DEFAULT 0,
	sandbox_org_id BIGINT REFERENCES orgs(id) ON DELETE SET NULL,
	snapshot TEXT NOT NULL DEFAULT '',
	submitted_at TIMESTAMPTZ NOT NULL,
	decided_at TIMESTAMPTZ,
	UNIQUE (cohort_id, user_id, assignment_id, revision)
);
-- The trainers' "to grade" queue: submitted work, oldest first.
CREATE INDEX submissions_queue ON submissions(state, submitted_at);
CREATE INDEX submissions_assignment ON submissions(assignment_id);

-- scores: [{criterion, level, points, comment}]; decision is '' for a peer.
CREATE TABLE reviews (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	submission_id BIGINT NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
	reviewer_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
	kind TEXT NOT NULL CHECK (kind IN ('trainer', 'peer')),
	scores TEXT NOT NULL DEFAULT '[]',
	comment TEXT NOT NULL DEFAULT '',
	decision TEXT NOT NULL DEFAULT '' CHECK (decision IN ('accept', 'revise', '')),
	points INTEGER NOT NULL DEFAULT 0,
	created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX reviews_submission ON reviews(submission_id);

CREATE TABLE peer_assignments (
	submission_id BIGINT NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
	reviewer_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	assigned_at TIMESTAMPTZ NOT NULL,
	done_at TIMESTAMPTZ,
	PRIMARY KEY (submission_id, reviewer_id)
);
CREATE INDEX peer_assignments_reviewer ON peer_assignments(reviewer_id);

-- Training sandboxes: an organisation of one participant of one cohort
-- where they build campaign plans in the campaign studio. orgs.sandbox
-- marks it (and the missions made under it): nothing in a sandbox is ever
-- published.
ALTER TABLE orgs ADD COLUMN sandbox BOOLEAN NOT NULL DEFAULT FALSE;
CREATE TABLE sandboxes (
	org_id BIGINT PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
	cohort_id BIGINT NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created_at TIMESTAMPTZ NOT NULL,
	UNIQUE (cohort_id, user_id)
);

-- answers: {statement key: 1..5}, the same statements at start and end.
CREATE TABLE self_assessments (
	cohort_id BIGINT NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	phase TEXT NOT NULL CHECK (phase IN ('start', 'end')),
	answers TEXT NOT NULL,
	submitted_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (cohort_id, user_id, phase)
);

CREATE TABLE cohort_posts (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	cohort_id BIGINT NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
	module_id BIGINT REFERENCES course_modules(id) ON DELETE CASCADE,
	user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
	body TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX cohort_posts_cohort ON cohort_posts(cohort_id, module_id, created_at);

-- credential: the signed Open Badges 3.0 credential as issued;
-- status_index: its bit in the revocation status list.
CREATE TABLE certificates (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	code TEXT NOT NULL UNIQUE,
	cohort_id BIGINT NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	course_id BIGINT NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
	issued_at TIMESTAMPTZ NOT NULL,
	revoked_at TIMESTAMPTZ,
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
	user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
	cohort_id BIGINT REFERENCES cohorts(id) ON DELETE CASCADE,
	verb TEXT NOT NULL,
	statement TEXT NOT NULL,
	stored_at TIMESTAMPTZ NOT NULL,
	sent_at TIMESTAMPTZ
);
CREATE INDEX xapi_statements_cohort ON xapi_statements(cohort_id, stored_at);
CREATE INDEX xapi_statements_unsent ON xapi_statements(sent_at, stored_at);
