//go:build !unix

package signal_test

// processCPU is not measured on this platform; benchmarks then report wall time only.
func processCPU() int64 { return 0 }
