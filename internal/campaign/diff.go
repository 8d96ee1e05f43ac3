package campaign

import (
	"github.com/sergi/go-diff/diffmatchpatch"
)

// DiffPart is one run of a word-level difference between two texts.
type DiffPart struct {
	Op   string `json:"op"` // "equal", "insert" or "delete"
	Text string `json:"text"`
}

// Diff compares two versions of a text: what b keeps of a, adds and
// removes. The character diff is cleaned up semantically, so that the
// runs fall on word boundaries where that reads better for people.
func Diff(a, b string) []DiffPart {
	dmp := diffmatchpatch.New()
	ds := dmp.DiffCleanupSemantic(dmp.DiffMain(a, b, false))
	out := make([]DiffPart, 0, len(ds))
	for _, d := range ds {
		op := "equal"
		switch d.Type {
		case diffmatchpatch.DiffInsert:
			op = "insert"
		case diffmatchpatch.DiffDelete:
			op = "delete"
		}
		if n := len(out); n > 0 && out[n-1].Op == op {
			out[n-1].Text += d.Text
			continue
		}
		out = append(out, DiffPart{Op: op, Text: d.Text})
	}
	return out
}
