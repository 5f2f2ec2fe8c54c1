package wire

import (
	"slices"

	"github.com/airules/airules/rules"
)

// Problem is one problem of one file as `airules lint --format json` prints it: lines
// are 1-based, columns 1-based UTF-16 code units (LSP's unit, plus one).
type Problem struct {
	File      string `json:"file"`
	Line      int    `json:"line"`
	Column    int    `json:"column"`
	EndLine   int    `json:"endLine"`
	EndColumn int    `json:"endColumn"`
	Severity  string `json:"severity"`
	Code      string `json:"code"`
	Message   string `json:"message"`
}

// NewProblems converts the problems of the file shown as file, in position order.
func NewProblems(file string, ps []rules.Problem) []Problem {
	ps = slices.Clone(ps)
	slices.SortStableFunc(ps, func(a, b rules.Problem) int {
		if a.Range.Start.Line != b.Range.Start.Line {
			return a.Range.Start.Line - b.Range.Start.Line
		}
		return a.Range.Start.Column - b.Range.Start.Column
	})
	out := make([]Problem, 0, len(ps))
	for _, p := range ps {
		out = append(out, Problem{
			File: file, Line: p.Range.Start.Line + 1, Column: p.Range.Start.Column + 1,
			EndLine: p.Range.End.Line + 1, EndColumn: p.Range.End.Column + 1,
			Severity: p.Severity.String(), Code: string(p.Code), Message: p.Message,
		})
	}
	return out
}
