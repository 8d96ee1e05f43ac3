package publish

import "time"

// SetRefusalRecheck shortens the wait before a refused renewal is checked
// again; it returns the function that restores it.
func SetRefusalRecheck(d time.Duration) (restore func()) {
	old := refusalRecheck
	refusalRecheck = d
	return func() { refusalRecheck = old }
}
