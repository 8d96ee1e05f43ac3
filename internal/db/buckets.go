package db

// Time buckets for charts: SQL expressions that give the UTC hour or day
// of a timestamp column as text, so that GROUP BY counts the same on both
// engines. SQLite stores times as text in UTC ("2006-01-02 15:04:05…"), so
// a prefix is the bucket; PostgreSQL formats its timestamptz in UTC.

// HourBucket gives "YYYY-MM-DD HH" (UTC) of col.
func HourBucket(d Dialect, col string) string {
	if d == Postgres {
		return "to_char(" + col + " AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')"
	}
	return "substr(" + col + ", 1, 13)"
}

// DayBucket gives "YYYY-MM-DD" (UTC) of col.
func DayBucket(d Dialect, col string) string {
	if d == Postgres {
		return "to_char(" + col + " AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
	}
	return "substr(" + col + ", 1, 10)"
}
