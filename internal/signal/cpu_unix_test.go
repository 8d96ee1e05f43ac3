//go:build unix

package signal_test

import "syscall"

// processCPU returns the CPU time the process has used (user + system), in
// nanoseconds. Benchmarks report it besides wall time because the machine is
// shared: wall time counts the moments another process held the core.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
