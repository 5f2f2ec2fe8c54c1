package mcp

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/airules/airules/index"
	"github.com/airules/airules/rules"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// ruleScheme and ruleHost make a rule's resource URI: airules://rule/<id>.
const (
	ruleScheme   = "airules"
	ruleHost     = "rule"
	ruleTemplate = "airules://rule/{+id}"
	markdownMIME = "text/markdown"
)

// RuleURI is the resource URI of the rule id; each path segment is escaped, so ids
// with spaces or '#' stay one URI.
func RuleURI(id string) string {
	parts := strings.Split(id, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return ruleScheme + "://" + ruleHost + "/" + strings.Join(parts, "/")
}

// ruleIDOf is the rule id a resource URI names.
func ruleIDOf(uri string) (string, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", fmt.Errorf("resource %s: %w", uri, err)
	}
	if u.Scheme != ruleScheme || u.Host != ruleHost || len(u.Path) < 2 || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("resource %s: not an airules rule URI (want %s)", uri, ruleTemplate)
	}
	return u.Path[1:], nil
}

// ruleByID is the rule that owns id in snap: the one in the highest layer, which
// shadows the others. layer, when set, picks that layer's rule instead.
func ruleByID(snap *index.Snapshot, id, layer string) *rules.Rule {
	var best *rules.Rule
	for _, r := range snap.Rules.Rules() {
		if r.ID != id || (layer != "" && r.Layer.String() != layer) {
			continue
		}
		if best == nil || r.Layer > best.Layer {
			best = r
		}
	}
	return best
}

// listedRules are the rules listed as resources: the owner of each id, in rule order.
// A file that could not be read as a rule has nothing to show.
func listedRules(snap *index.Snapshot) []*rules.Rule {
	all := snap.Rules.Rules()
	slices.SortFunc(all, rules.Compare)
	var out []*rules.Rule
	for _, r := range all {
		if r.Unreadable() || snap.Rules.Shadowed(r) {
			continue
		}
		out = append(out, r)
	}
	return out
}

// addResourceTemplate lets a client read any rule by id, listed or not (a rule that
// appeared since it listed, one it saw under available or omitted).
func (s *Server) addResourceTemplate() {
	s.sdk.AddResourceTemplate(&sdk.ResourceTemplate{
		Name:        "rule",
		Title:       "An airules rule by id",
		Description: "One rule of the workspace as markdown, by its id (e.g. airules://rule/00-global/security), as listed by list_rules or under available and omitted in rules_for_file.",
		MIMEType:    markdownMIME,
		URITemplate: ruleTemplate,
	}, s.readRule)
}

// readRule answers resources/read for a rule, from the current snapshot: the body is
// held in memory, so nothing is read from disk.
func (s *Server) readRule(_ context.Context, req *sdk.ReadResourceRequest) (*sdk.ReadResourceResult, error) {
	id, err := ruleIDOf(req.Params.URI)
	if err != nil {
		return nil, sdk.ResourceNotFoundError(req.Params.URI)
	}
	r := ruleByID(s.ix.Snapshot(), id, "")
	if r == nil || r.Unreadable() {
		return nil, sdk.ResourceNotFoundError(req.Params.URI)
	}
	return &sdk.ReadResourceResult{Contents: []*sdk.ResourceContents{{
		URI: req.Params.URI, MIMEType: markdownMIME, Text: ruleMarkdown(r),
	}}}, nil
}

// subscribe accepts subscriptions to rule resources; the SDK keeps the subscribers.
func (s *Server) subscribe(_ context.Context, req *sdk.SubscribeRequest) error {
	if _, err := ruleIDOf(req.Params.URI); err != nil {
		return err
	}
	return nil
}

// sync makes the listed resources those of the current snapshot. Adding, replacing
// or removing a resource makes the SDK send notifications/resources/list_changed (once
// per burst); a rule whose content changed also gets notifications/resources/updated
// for its subscribers. c is the change that prompted the sync, nil for the first one.
func (s *Server) sync(c *index.Change) {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	if c != nil && !s.started {
		return // a change during New: the first sync reads a snapshot that has it
	}
	s.started = true
	want := map[string]*rules.Rule{}
	for _, r := range listedRules(s.ix.Snapshot()) {
		want[RuleURI(r.ID)] = r
	}
	var gone []string
	for uri := range s.listed {
		if want[uri] == nil {
			gone = append(gone, uri)
			delete(s.listed, uri)
		}
	}
	if len(gone) > 0 {
		s.sdk.RemoveResources(gone...)
	}
	var updated []string
	for uri, r := range want {
		key := r.Layer.String() + "\x00" + r.Hash + "\x00" + r.Description
		old, had := s.listed[uri]
		if had && old == key {
			continue
		}
		if had {
			updated = append(updated, uri)
		}
		s.listed[uri] = key
		s.sdk.AddResource(ruleResource(r), s.readRule)
	}
	for _, uri := range updated {
		_ = s.sdk.ResourceUpdated(context.Background(), &sdk.ResourceUpdatedNotificationParams{URI: uri})
	}
}

// ruleResource lists one rule.
func ruleResource(r *rules.Rule) *sdk.Resource {
	desc := r.Description
	if desc == "" {
		desc = "rule " + r.ID
	}
	return &sdk.Resource{
		URI: RuleURI(r.ID), Name: r.ID, Title: r.Description, MIMEType: markdownMIME,
		Description: fmt.Sprintf("%s (%s layer, %s format)", desc, r.Layer, r.Format),
	}
}
