package langid

import (
	"runtime"
	"syscall"
	"testing"
	"time"
)

// BenchmarkLoad measures loading the models of one mode, with the heap it
// adds. lingua caches models for the whole process, so only a first load
// means anything: run one mode per process with -benchtime=1x, e.g.
//
//	go test -run '^$' -bench 'Load/high' -benchtime 1x ./internal/langid/
func BenchmarkLoad(b *testing.B) {
	for _, mode := range []Mode{High, Low} {
		b.Run(mode.String(), func(b *testing.B) {
			if b.N != 1 {
				b.Skip("only the first load in a process loads: use -benchtime=1x")
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			b.ResetTimer()
			d, err := New(mode)
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-MB")
			runtime.KeepAlive(d)
		})
	}
}

// BenchmarkDetect is the cost of one text, over the development set's
// sentences and snippets in turn (all scripts mixed as they come).
func BenchmarkDetect(b *testing.B) {
	samples := loadSamples(b, "testdata/udhr-dev.jsonl")
	for _, mode := range []Mode{High, Low} {
		d := newDetector(b, mode)
		for _, short := range []bool{false, true} {
			var texts []string
			for _, s := range samples {
				if s.Short == short {
					texts = append(texts, s.Text)
				}
			}
			name := mode.String() + "/sentences"
			if short {
				name = mode.String() + "/snippets"
			}
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				start := processCPU()
				for i := 0; b.Loop(); i++ {
					d.Detect(texts[i%len(texts)])
				}
				reportCPU(b, start)
			})
			// The baseline in the same run: lingua over all sixteen
			// languages, without narrowing by script or cutting long texts.
			plain := unnarrowed(mode)
			b.Run(name+"/unnarrowed", func(b *testing.B) {
				b.ReportAllocs()
				start := processCPU()
				for i := 0; b.Loop(); i++ {
					plain(texts[i%len(texts)])
				}
				reportCPU(b, start)
			})
		}
	}
}

// processCPU is the CPU time (user + system) the process has used. On a
// machine shared with other work, wall time per op includes waiting for a
// core; CPU time per op does not.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds the metric cpu-ns/op: CPU time since start over b.N.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkScript is the model-free part: counting letters per script.
func BenchmarkScript(b *testing.B) {
	samples := loadSamples(b, "testdata/udhr-dev.jsonl")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Script(samples[i%len(samples)].Text)
	}
}
