package mcp

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/airules/airules/index"
	"github.com/airules/airules/rules"
	"github.com/airules/airules/server/wire"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"go.uber.org/zap"
)

// The tools' inputs. Their descriptions are written for the model that calls them.
type (
	contextInput struct {
		Path       string `json:"path" jsonschema:"the file to get the rules for: absolute, relative to the workspace root, or a file:// URI; it need not exist yet"`
		MaxTokens  int    `json:"maxTokens,omitempty"` // described in addTools, with the default
		LanguageID string `json:"languageId,omitempty" jsonschema:"language id of the file (go, typescript, elixir, ...); default: from the file name"`
		// Agent is for Copilot's excludeAgent: an instruction file that excludes it
		// neither applies nor is offered.
		Agent      string `json:"agent,omitempty" jsonschema:"the agent asking, when it is one that Copilot instructions may exclude (coding-agent or code-review); rules that exclude it are left out"`
		Content    bool   `json:"content,omitempty" jsonschema:"also put each rule's body in rules[].content; the prompt already holds every body, so leave it out unless you need the rules one by one"`
		MaxOmitted int    `json:"maxOmitted,omitempty"` // described in addTools, with the default
	}
	ruleInput struct {
		ID    string `json:"id" jsonschema:"the rule id, e.g. 00-global/security, as rules_for_file and list_rules show it (an airules://rule/<id> URI works too)"`
		Layer string `json:"layer,omitempty" jsonschema:"the layer to read the id from when several layers have it; default: the highest, the one that applies"`
	}
	listInput struct {
		Tag      string `json:"tag,omitempty" jsonschema:"only rules with this tag"`
		Scope    string `json:"scope,omitempty" jsonschema:"only rules of this scope (declared, or implied by their folder)"`
		Language string `json:"language,omitempty" jsonschema:"only rules restricted to this language id"`
		Layer    string `json:"layer,omitempty" jsonschema:"only rules of this layer"`
		Format   string `json:"format,omitempty" jsonschema:"only rules read from this format: airules, cursor, copilot, agents, claude, ..."`
	}
	lintInput struct {
		Path string `json:"path,omitempty" jsonschema:"a rule file or a folder of rule files (absolute, or relative to the workspace root); default: every rule file"`
	}
)

// lintOutput is the answer of lint_rules: the problems as `airules lint --format json`
// prints them, and counts.
type lintOutput struct {
	Problems []wire.Problem `json:"problems"`
	Files    int            `json:"files"`
	Errors   int            `json:"errors"`
	Warnings int            `json:"warnings"`
}

var (
	layers = []string{"user", "project", "team", "dependency"}
	scopes = []string{"global", "project", "language", "framework", "context"}
	no     = false
	// readOnly: every tool only reads the index; none reaches beyond the workspace.
	readOnly = &sdk.ToolAnnotations{ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: &no}
)

func (s *Server) addTools() {
	in := schemaFor[contextInput](map[string]string{
		"maxTokens": fmt.Sprintf("token budget of the prompt (default %d); rules that do not fit are listed under omitted, fetchable with get_rule", rules.DefaultMaxTokens),
		"maxOmitted": fmt.Sprintf("how many omitted rules to list, the ones nearest to being applied first (default %d); -1 lists all; "+
			"moreOmitted in the answer counts those left out of the list", wire.DefaultMaxOmitted),
	})
	minimum(in, "maxTokens", 1)
	sdk.AddTool(s.sdk, &sdk.Tool{
		Name:  "rules_for_file",
		Title: "Rules for a file",
		Description: `Call this before you create, edit or review a file: it returns the rules this workspace's team ` +
			`wrote for AI assistants that apply to that file, in order and cut to a token budget. Follow "prompt", ` +
			`the rendered rules. "rules" says which rules were included and why (glob, language, always); ` +
			`"omitted" lists rules that apply but were left out (budget, disabled, shadowed, duplicate); ` +
			`"available" lists rules offered on request: read the description and fetch one with get_rule when it ` +
			`concerns your task. Paths outside the workspace are refused.`,
		InputSchema: in,
		OutputSchema: schemaFor[wire.ContextResult](map[string]string{
			"prompt":      "the applied rules rendered as markdown: follow them",
			"rules":       "the rules included in the prompt, most important first, each with the reasons it applies",
			"omitted":     "rules that apply but are not in the prompt, with the reason, the ones nearest to being applied first; fetch one with get_rule",
			"moreOmitted": "how many more omitted rules the list leaves out (0: it is complete); ask again with maxOmitted -1 to list them all",
			"available":   "rules on request: fetch one with get_rule when its description concerns the task",
			"tokens":      "tokens of prompt; never more than maxTokens",
		}),
		Annotations: readOnly,
	}, s.rulesForFile)

	rin := schemaFor[ruleInput](nil)
	enum(rin, "layer", layers...)
	sdk.AddTool(s.sdk, &sdk.Tool{
		Name:  "get_rule",
		Title: "Get a rule",
		Description: `Fetch one rule by id: its full content and metadata (description, layer, format, globs, ` +
			`language, tags, status). Use it for a rule rules_for_file listed under "available" or "omitted", ` +
			`or one list_rules showed.`,
		InputSchema: rin,
		OutputSchema: schemaFor[wire.Rule](map[string]string{
			"content": "the rule's text (markdown)",
		}),
		Annotations: readOnly,
	}, s.getRule)

	lin := schemaFor[listInput](nil)
	enum(lin, "layer", layers...)
	enum(lin, "scope", scopes...)
	sdk.AddTool(s.sdk, &sdk.Tool{
		Name:  "list_rules",
		Title: "List rules",
		Description: `List the workspace's rules with id, description, layer, format, status and problem count, ` +
			`optionally only those with a tag, scope, language, layer or format. To know which rules apply to a ` +
			`file, call rules_for_file instead.`,
		InputSchema:  lin,
		OutputSchema: schemaFor[wire.RulesResult](nil),
		Annotations:  readOnly,
	}, s.listRules)

	sdk.AddTool(s.sdk, &sdk.Tool{
		Name:  "lint_rules",
		Title: "Lint rules",
		Description: `Check rule files for problems: frontmatter syntax and types, unknown keys, globs that are ` +
			`invalid or match no file, unknown languages, bad dates, empty bodies (codes AIR001 and up). Call it ` +
			`after writing or editing a rule file. Lines and columns are 1-based.`,
		InputSchema:  schemaFor[lintInput](nil),
		OutputSchema: schemaFor[lintOutput](nil),
		Annotations:  readOnly,
	}, s.lintRules)
}

// fileContext is the context of a client's path, refused outside the workspace.
func (s *Server) fileContext(path, lang, agent string, maxTokens int, shape wire.Shape) (rules.Context, wire.ContextResult, error) {
	if maxTokens < 0 {
		return rules.Context{}, wire.ContextResult{}, fmt.Errorf("maxTokens must be positive, got %d", maxTokens)
	}
	r, err := s.fence.resolve(path, false)
	if err != nil {
		s.log.Info("path refused", zap.String("path", path), zap.Error(err))
		return rules.Context{}, wire.ContextResult{}, err
	}
	snap := s.ix.Snapshot()
	c := snap.ContextFor(index.Query{Rel: r.rel, Language: lang, Content: s.content(r.rel), MaxTokens: maxTokens, Agent: agent})
	return c, wire.NewContextResult(c, wire.FileURI(r.abs), snap.Generation, shape), nil
}

func (s *Server) rulesForFile(_ context.Context, _ *sdk.CallToolRequest, in contextInput) (*sdk.CallToolResult, wire.ContextResult, error) {
	c, res, err := s.fileContext(in.Path, in.LanguageID, in.Agent, in.MaxTokens, wire.Shape{Content: in.Content, MaxOmitted: in.MaxOmitted})
	if err != nil {
		return nil, wire.ContextResult{}, err
	}
	return textResult(contextText(c, in.MaxOmitted)), res, nil
}

func (s *Server) getRule(_ context.Context, _ *sdk.CallToolRequest, in ruleInput) (*sdk.CallToolResult, wire.Rule, error) {
	id := strings.TrimSpace(in.ID)
	if strings.HasPrefix(id, ruleScheme+"://") {
		var err error
		if id, err = ruleIDOf(id); err != nil {
			return nil, wire.Rule{}, err
		}
	}
	if id == "" {
		return nil, wire.Rule{}, errors.New("id is empty: give a rule id as list_rules or rules_for_file show it")
	}
	snap := s.ix.Snapshot()
	r := ruleByID(snap, id, in.Layer)
	if r == nil {
		where := ""
		if in.Layer != "" {
			where = " in the " + in.Layer + " layer"
		}
		return nil, wire.Rule{}, fmt.Errorf("no rule with id %q%s in the workspace %s; list_rules lists the ids", id, where, snap.Root)
	}
	out := wire.NewRule(snap.Rules, r, len(snap.Problems[r.Path]))
	return textResult(ruleText(out)), out, nil
}

func (s *Server) listRules(_ context.Context, _ *sdk.CallToolRequest, in listInput) (*sdk.CallToolResult, wire.RulesResult, error) {
	snap := s.ix.Snapshot()
	all := snap.Rules.Rules()
	slices.SortFunc(all, rules.Compare)
	res := wire.RulesResult{Generation: snap.Generation, Rules: []wire.RuleInfo{}}
	for _, r := range all {
		if in.matches(r) {
			res.Rules = append(res.Rules, wire.NewRuleInfo(snap.Rules, r, len(snap.Problems[r.Path])))
		}
	}
	return textResult(listText(res)), res, nil
}

// matches applies the filters of list_rules; empty ones match everything.
func (in listInput) matches(r *rules.Rule) bool {
	has := func(list []string, v string) bool {
		return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, v) })
	}
	switch {
	case in.Tag != "" && !has(r.Tags, in.Tag):
		return false
	case in.Scope != "" && !has(r.Scope, in.Scope) && r.EffectiveScope() != in.Scope:
		return false
	case in.Language != "" && !has(r.Language, in.Language):
		return false
	case in.Layer != "" && r.Layer.String() != in.Layer:
		return false
	case in.Format != "" && !strings.EqualFold(string(r.Format), in.Format):
		return false
	}
	return true
}

func (s *Server) lintRules(_ context.Context, _ *sdk.CallToolRequest, in lintInput) (*sdk.CallToolResult, lintOutput, error) {
	snap := s.ix.Snapshot()
	var files []string
	for p := range snap.Problems {
		files = append(files, p)
	}
	slices.Sort(files)
	if in.Path != "" {
		r, err := s.fence.resolve(in.Path, true)
		if err != nil {
			s.log.Info("path refused", zap.String("path", in.Path), zap.Error(err))
			return nil, lintOutput{}, err
		}
		st, err := os.Stat(r.abs)
		if err != nil {
			return nil, lintOutput{}, fmt.Errorf("%s: %w", in.Path, err)
		}
		files = slices.DeleteFunc(files, func(p string) bool {
			return p != r.abs && !(st.IsDir() && strings.HasPrefix(p, r.abs+string(filepath.Separator)))
		})
		if len(files) == 0 && !st.IsDir() {
			return nil, lintOutput{}, fmt.Errorf("%s is not a rule file of the workspace %s", in.Path, snap.Root)
		}
	}
	out := lintOutput{Problems: []wire.Problem{}, Files: len(files)}
	for _, p := range files {
		ps := snap.Problems[p]
		for _, pr := range ps {
			switch pr.Severity {
			case rules.SeverityError:
				out.Errors++
			case rules.SeverityWarning:
				out.Warnings++
			}
		}
		out.Problems = append(out.Problems, wire.NewProblems(s.display(p), ps)...)
	}
	return textResult(lintText(out)), out, nil
}

// display shows a rule file relative to the root when it is inside it.
func (s *Server) display(p string) string {
	if r, ok := relUnder(s.fence.root, p); ok {
		return filepath.ToSlash(r)
	}
	return p
}

func textResult(text string) *sdk.CallToolResult {
	return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: text}}}
}

// content is the file's content on disk, for the rules that match on it (Continue's
// regex), read through the index's hardened reader; nil when it cannot be read.
func (s *Server) content(rel string) []byte {
	data, _, err := index.ReadWorkspaceFile(s.ix.Snapshot().Root, rel, rules.MaxContentBytes)
	if err != nil {
		return nil
	}
	return data
}
