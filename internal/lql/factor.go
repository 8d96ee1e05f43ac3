package lql

import (
	"slices"
	"strings"
)

// Topics are often "any of these names, with this word": (EU OR NATO)
// Kosovo. In the OR-of-ANDs form that is one AND per name, Kosovo in
// each; filed one by one, each is filed under Kosovo (the rarer word) and a
// text with Kosovo reaches all of them. factor merges such ANDs into one
// filing: Kosovo present, with any one of EU or NATO.

// maxAny is how many atoms a filing may accept any one of.
const maxAny = 3

// merged is an AND: every atom of common present, at least one of
// any (when it is not empty), none of neg.
type merged struct{ common, any, neg []atom }

// factor groups the ANDs that differ only in one present atom, where one
// filing is cheaper than one per AND (see merges), and returns every AND
// in exactly one group.
func factor(ands []conj, c costs) []merged {
	left := slices.Clone(ands)
	var out []merged
	for {
		g, members, ok := bestGroup(left, c)
		if !ok {
			break
		}
		out = append(out, g)
		left = slices.DeleteFunc(left, func(x conj) bool {
			return slices.ContainsFunc(members, func(m conj) bool { return sameConj(m, x) })
		})
	}
	for _, and := range left {
		out = append(out, merged{common: and.pos, neg: and.neg})
	}
	return out
}

// bestGroup finds the largest set of ANDs that share all but one present
// atom (and their absent atoms) and are worth merging.
func bestGroup(ands []conj, c costs) (merged, []conj, bool) {
	type cand struct {
		common, neg []atom
		any         []atom
		members     []conj
	}
	byKey := map[string]*cand{}
	var order []string // map order is random; the result must not be
	for _, and := range ands {
		if len(and.pos) < 2 {
			continue
		}
		for i, x := range and.pos {
			common := slices.Delete(slices.Clone(and.pos), i, i+1)
			key := atomsKey(common) + "|" + atomsKey(and.neg)
			k := byKey[key]
			if k == nil {
				k = &cand{common: common, neg: and.neg}
				byKey[key] = k
				order = append(order, key)
			}
			if len(k.any) < maxAny && !slices.Contains(k.any, x) {
				k.any = append(k.any, x)
				k.members = append(k.members, and)
			}
		}
	}
	var best *cand
	for _, key := range order {
		k := byKey[key]
		if len(k.members) >= 2 && merges(k.common, k.any, c) && (best == nil || len(k.members) > len(best.members)) {
			best = k
		}
	}
	if best == nil {
		return merged{}, nil, false
	}
	return merged{common: best.common, any: best.any, neg: best.neg}, best.members, true
}

// merges reports whether one filing under the rarest common atom scans
// fewer postings than one filing per AND, each under its rarest atom.
func merges(common, any []atom, c costs) bool {
	at := c.atom(slices.MinFunc(common, c.compare))
	separate := 0.0
	for _, x := range any {
		separate += min(c.atom(x), at)
	}
	return at < separate
}

// atomsKey names a set of atoms, in any order.
func atomsKey(as []atom) string {
	names := make([]string, len(as))
	for i, a := range as {
		if a.key != "" {
			names[i] = "k" + a.key
		} else {
			names[i] = "f" + a.filter.field.String() + ":" + a.filter.value
		}
	}
	slices.Sort(names)
	return strings.Join(names, "\x01")
}

func sameConj(a, b conj) bool {
	return atomsKey(a.pos) == atomsKey(b.pos) && atomsKey(a.neg) == atomsKey(b.neg)
}
