package wire

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/airules/airules/rules"
)

func TestOmittedListed(t *testing.T) {
	for _, tt := range []struct {
		n, maxOmitted, want int
	}{
		{n: 0, maxOmitted: 0, want: 0},
		{n: 10, maxOmitted: 0, want: 10},                                   // default, fewer than it
		{n: DefaultMaxOmitted, maxOmitted: 0, want: DefaultMaxOmitted},     // default, exactly
		{n: DefaultMaxOmitted + 1, maxOmitted: 0, want: DefaultMaxOmitted}, // default cuts
		{n: 510, maxOmitted: 0, want: DefaultMaxOmitted},                   // the file
		{n: 510, maxOmitted: 3, want: 3},                                   // explicit N
		{n: 2, maxOmitted: 3, want: 2},                                     // fewer than N
		{n: 510, maxOmitted: 1000, want: 510},                              // N above the default
		{n: 510, maxOmitted: -1, want: 510},                                // all
		{n: 510, maxOmitted: -7, want: 510},                                // any negative: all
		{n: 0, maxOmitted: -1, want: 0},                                    // all of nothing
		{n: DefaultMaxOmitted + 1, maxOmitted: 1, want: 1},                 // the least positive N
	} {
		if got := OmittedListed(tt.n, tt.maxOmitted); got != tt.want {
			t.Errorf("OmittedListed(%d, %d) = %d, want %d", tt.n, tt.maxOmitted, got, tt.want)
		}
	}
}

// omittingContext is the budgeted context of a file to which n+1 always-applying rules
// of about the same size apply, in a budget that takes only the first: n budget
// omissions, in importance order, plus one disabled rule listed before them.
func omittingContext(t *testing.T, n int) rules.Context {
	t.Helper()
	var all []*rules.Rule
	for i := range n + 2 { // n ≤ 98: priorities stay in range and apart
		id := fmt.Sprintf("00-global/r%03d", i)
		body := fmt.Sprintf("---\npriority: %d\nalwaysApply: true\ndescription: rule %d\n---\n- Rule number %d says one short thing.\n", 100-i, i, i)
		all = append(all, rules.Parse(rules.Source{Path: "/ws/.ai-rules/" + id + ".md", ID: id, Layer: rules.LayerProject, Format: rules.FormatAirules}, []byte(body)))
	}
	set := rules.NewSet(all, rules.SetOptions{Disabled: []string{"00-global/r001"}})
	sel := set.Select("lib/x.go", "go")
	// The budget of the first applied rule alone: every later one is over it.
	first := rules.Budget(rules.Selection{Path: sel.Path, Language: sel.Language, Applied: sel.Applied[:1]}, 1<<20)
	c := rules.Budget(sel, first.Tokens)
	if len(c.Rules) == 0 || len(c.Omitted) != n+1 || c.Omitted[0].Reason != rules.OmitDisabled {
		t.Fatalf("the fixture is off: %d applied, %d omitted (want %d, the first disabled)", len(c.Rules), len(c.Omitted), n+1)
	}
	return c
}

func omittedIDs(os []OmittedRule) []string {
	out := make([]string, len(os))
	for i, o := range os {
		out[i] = o.ID + ":" + o.Reason
	}
	return out
}

// TestNewContextResultCutsOmitted: the answer lists the first entries of the
// context's omissions, in their order, as many as maxOmitted asks for, and counts
// the rest in moreOmitted; nothing else of the answer changes.
func TestNewContextResultCutsOmitted(t *testing.T) {
	for _, tt := range []struct {
		name       string
		omissions  int // budget ones; one disabled comes first
		maxOmitted int
		listed     int
	}{
		{"default cuts at 50", 80, 0, DefaultMaxOmitted},
		{"default lists fewer than 50 whole", 10, 0, 11},
		{"explicit N", 80, 5, 5},
		{"N of 1 keeps the disabled one", 80, 1, 1},
		{"fewer than N", 3, 10, 4},
		{"exactly N", 9, 10, 10},
		{"-1 lists all", 80, -1, 81},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := omittingContext(t, tt.omissions)
			var want []string
			for _, o := range c.Omitted {
				want = append(want, o.Rule.ID+":"+o.Reason)
			}
			res := NewContextResult(c, "file:///ws/lib/x.go", 7, Shape{MaxOmitted: tt.maxOmitted})
			if got := omittedIDs(res.Omitted); !slices.Equal(got, want[:tt.listed]) {
				t.Errorf("omitted = %v\nwant the first %d of %v", got, tt.listed, want)
			}
			if len(res.Omitted)+res.MoreOmitted != len(c.Omitted) || res.MoreOmitted != len(c.Omitted)-tt.listed {
				t.Errorf("moreOmitted = %d with %d listed of %d", res.MoreOmitted, len(res.Omitted), len(c.Omitted))
			}
			for i, o := range res.Omitted {
				r := c.Omitted[i].Rule
				if o.URI != FileURI(r.Path) || o.Description != r.Description || o.Tokens != r.Tokens() {
					t.Errorf("entry %d lost a field: %+v", i, o)
				}
			}
			all := NewContextResult(c, "file:///ws/lib/x.go", 7, Shape{MaxOmitted: -1})
			if res.Prompt != all.Prompt || len(res.Rules) != len(all.Rules) || res.Tokens != all.Tokens {
				t.Errorf("the cut changed more than omitted: %d rules, %d tokens; all: %d rules, %d tokens", len(res.Rules), res.Tokens, len(all.Rules), all.Tokens)
			}
		})
	}
}

// TestSummaryCountsTheRest: the markdown summary names as many omitted rules as the
// answer lists and says how many more there are.
func TestSummaryCountsTheRest(t *testing.T) {
	c := omittingContext(t, 80)
	for _, tt := range []struct {
		maxOmitted int
		named      int
		more       string
	}{
		{0, DefaultMaxOmitted, "… and 31 more omitted"},
		{2, 2, "… and 79 more omitted"},
		{-1, 81, ""},
	} {
		s := Summary(c, tt.maxOmitted)
		named := 0
		for _, o := range c.Omitted {
			if strings.Contains(s, "[`"+o.Rule.ID+"`]") {
				named++
			}
		}
		if named != tt.named {
			t.Errorf("maxOmitted %d: %d omitted rules named, want %d", tt.maxOmitted, named, tt.named)
		}
		if got := strings.Contains(s, "more omitted"); got != (tt.more != "") || !strings.Contains(s, tt.more) {
			t.Errorf("maxOmitted %d: want %q in the summary:\n%s", tt.maxOmitted, tt.more, s)
		}
	}
}

// A result built in reused memory is the result built in memory of its own, whatever
// the results built in that memory before.
func TestResultMemoryGivesTheSameResults(t *testing.T) {
	var m ResultMemory
	for _, tt := range []struct {
		n     int
		shape Shape
	}{
		{40, Shape{}},
		{5, Shape{Content: true}},
		{60, Shape{MaxOmitted: -1}},
		{2, Shape{MaxOmitted: 3}},
		{30, Shape{Content: true, MaxOmitted: 1}},
		{0, Shape{}},
	} {
		c := omittingContext(t, tt.n)
		want, err := json.Marshal(NewContextResult(c, "file:///ws/lib/x.go", 7, tt.shape))
		if err != nil {
			t.Fatal(err)
		}
		got, err := json.Marshal(NewContextResultIn(&m, c, "file:///ws/lib/x.go", 7, tt.shape))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%d omitted, %+v: built in reused memory\n%s\nwant\n%s", tt.n, tt.shape, got, want)
		}
	}
}
