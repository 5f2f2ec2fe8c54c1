package index

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/airules/airules/rules"
	"go.uber.org/zap"
)

// TeamState is what the team source is doing.
type TeamState string

// The states of the team source.
const (
	TeamOff          TeamState = "off"          // not configured
	TeamConnecting   TeamState = "connecting"   // first attempt under way
	TeamLive         TeamState = "live"         // connected, watching
	TeamOffline      TeamState = "offline"      // the server cannot be reached
	TeamUnauthorized TeamState = "unauthorized" // the server refused the credentials
	TeamNoBucket     TeamState = "no-bucket"    // the bucket does not exist (or was deleted)
	TeamFailed       TeamState = "error"        // anything else
)

// TeamStatus describes the team source at one moment.
type TeamStatus struct {
	State    TeamState `json:"state"`
	URL      string    `json:"url,omitempty"` // redacted
	Bucket   string    `json:"bucket,omitempty"`
	Revision uint64    `json:"revision"`         // the highest revision applied
	Synced   time.Time `json:"synced,omitzero"`  // the last contact with the bucket
	Rules    int       `json:"rules"`            // team rules served
	Error    string    `json:"error,omitempty"`  // why it is not live
	Received uint64    `json:"received"`         // KV entries received since Open
	Attempts uint64    `json:"attempts"`         // sessions started since Open
	Cached   bool      `json:"cached,omitempty"` // the rules came from the local cache
}

// Age is how long ago the team source was last in contact, or 0 if never.
func (s TeamStatus) Age(now time.Time) time.Duration {
	if s.Synced.IsZero() {
		return 0
	}
	return now.Sub(s.Synced)
}

// Line is the one-line summary the CLI and the editors show:
// "team: live, revision 12" or "team: offline, revision 12, 3 h old".
func (s TeamStatus) Line(now time.Time) string {
	if s.State == TeamOff {
		return "team: off"
	}
	line := fmt.Sprintf("team: %s, revision %d", s.State, s.Revision)
	if s.State != TeamLive {
		if s.Synced.IsZero() {
			line += ", never synced"
		} else {
			line += ", " + humanAge(s.Age(now)) + " old"
		}
		if s.Error != "" {
			line += " (" + s.Error + ")"
		}
	}
	return line
}

func humanAge(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d.Hours()))
	}
	return fmt.Sprintf("%d d", int(d.Hours()/24))
}

// teamLayer is the index's team source: the rules of one KV bucket, their cache in the
// store, and the connection that keeps them live. rules, recs and meta are guarded by
// Index.mu; status by its own lock (TeamStatus never waits on a reindex).
type teamLayer struct {
	cfg    TeamConfig
	bucket string

	rules map[string]*rules.Rule // by KV key
	// enforced maps the id of each enforced team rule to it (teamenforce.go).
	enforced map[string]*rules.Rule
	recs     map[string]teamRecord // by KV key: what the cache holds
	meta     teamMeta

	// problems are those of the configuration files (by path) and of the bucket's
	// status (on its URI), as last published.
	problems map[string][]rules.Problem

	received atomic.Uint64
	attempts atomic.Uint64
	smu      sync.Mutex
	state    TeamState
	errText  string
	cached   bool

	stop context.CancelFunc
}

// bucketURI is where problems of the bucket as a whole are reported.
func (t *teamLayer) bucketURI() string { return TeamScheme + "://" + t.bucket }

// initTeam loads the team layer from the store. Called by start, with the maps empty:
// the cached rules are part of the first snapshot, served before any network.
func (ix *Index) initTeam() {
	cfg := ix.opt.Team
	if !cfg.Enabled() && len(ix.opt.TeamProblems) == 0 {
		ix.team = nil
		return
	}
	t := &teamLayer{cfg: cfg, bucket: cfg.BucketName(), rules: map[string]*rules.Rule{},
		recs: map[string]teamRecord{}, problems: map[string][]rules.Problem{}, state: TeamOff}
	for p, ps := range ix.opt.TeamProblems {
		t.problems[p] = slices.Clone(ps)
	}
	ix.team = t
	if !cfg.Enabled() {
		return
	}
	t.state = TeamConnecting
	meta, recs, err := ix.st.loadTeam(t.bucket)
	if err != nil {
		ix.log.Warn("the team rules cache is unreadable; waiting for the server", zap.Error(err))
		return
	}
	t.meta, t.recs = meta, recs
	for k, rec := range recs {
		t.rules[k] = t.parse(k, rec)
	}
	t.enforced = t.enforcedOf()
	t.cached = len(recs) > 0 || meta.Revision > 0
}

// parse turns one KV value into a team rule.
func (t *teamLayer) parse(key string, rec teamRecord) *rules.Rule {
	src := rules.Source{Path: TeamURI(t.bucket, key), ID: TeamID(key), Layer: rules.LayerTeam, Format: rules.FormatAirules}
	if rec.Size > rules.MaxFileSize || len(rec.Value) > rules.MaxFileSize {
		return tooLarge(src, int64(max(rec.Size, len(rec.Value))))
	}
	return rules.Parse(src, rec.Value)
}

// teamRules returns the team rules for the first snapshot. Called with ix.mu held.
func (ix *Index) teamRules() []*rules.Rule {
	if ix.team == nil {
		return nil
	}
	out := make([]*rules.Rule, 0, len(ix.team.rules))
	for _, r := range ix.team.rules {
		out = append(out, r)
	}
	return out
}

// teamProblems returns the problems of the configuration and the bucket for the first
// snapshot. Called with ix.mu held.
func (ix *Index) teamProblems() map[string][]rules.Problem {
	if ix.team == nil {
		return nil
	}
	return ix.team.problems
}

// teamEntry is one KV entry as the source delivers it.
type teamEntry struct {
	key     string
	rev     uint64
	created time.Time
	deleted bool // a delete or purge marker
	value   []byte
}

// applyTeam applies entries from the bucket: puts become upserts of the team layer,
// deletes removals; full means the entries are the whole bucket, so a cached key absent
// from them is gone. keep, when not nil, lists every key the bucket holds: a cached key
// outside it is gone too (a delete marker purged while this machine was away). It
// writes the cache and publishes one Change.
func (ix *Index) applyTeam(entries []teamEntry, full bool, keep map[string]bool, stream int64) (Change, error) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.closed {
		return Change{}, ErrClosed
	}
	t := ix.team
	t.received.Add(uint64(len(entries)))
	puts := map[string]*teamRecord{}
	latest := map[string]teamEntry{}
	for _, e := range entries {
		if old, ok := latest[e.key]; !ok || e.rev >= old.rev {
			latest[e.key] = e
		}
		t.meta.Revision = max(t.meta.Revision, e.rev)
	}
	if full {
		for k := range t.recs {
			if e, ok := latest[k]; !ok || e.deleted {
				latest[k] = teamEntry{key: k, deleted: true}
			}
		}
	}
	if keep != nil {
		for k := range t.recs {
			if _, ok := latest[k]; !ok && !keep[k] {
				latest[k] = teamEntry{key: k, deleted: true}
			}
		}
	}
	var upserts []*rules.Rule
	var removed []string
	for k, e := range latest {
		old, had := t.recs[k]
		if e.deleted {
			if had {
				delete(t.recs, k)
				delete(t.rules, k)
				puts[k] = nil
				removed = append(removed, TeamURI(t.bucket, k))
			}
			continue
		}
		rec := teamRecord{Revision: e.rev, Created: e.created.UnixNano(), Size: len(e.value)}
		if len(e.value) <= rules.MaxFileSize {
			rec.Value = e.value
		}
		if had && old.Revision == rec.Revision {
			continue
		}
		t.recs[k] = rec
		puts[k] = &rec
		r := t.parse(k, rec)
		if cur := t.rules[k]; had && cur != nil && cur.Hash == r.Hash {
			continue // same text under a new revision: the cache moves, the rule does not
		}
		t.rules[k] = r
		upserts = append(upserts, r)
	}
	t.meta.Synced = time.Now().UnixNano()
	t.meta.URL = redactURLs(t.cfg.URL)
	if stream != 0 {
		t.meta.Stream = stream
	}
	werr := ix.st.writeTeam(t.bucket, t.meta, puts, full)
	if werr != nil {
		ix.log.Error("cannot write the team rules cache; the team rules stay correct in memory", zap.Error(werr))
	}
	slices.SortFunc(upserts, func(a, b *rules.Rule) int { return strings.Compare(a.Path, b.Path) })
	slices.Sort(removed)
	before := t.enforced
	t.enforced = t.enforcedOf()
	skip := map[string]bool{}
	for _, r := range upserts {
		skip[r.Path] = true
	}
	extra := ix.enforcementDelta(before, t.enforced, skip)
	ch := ix.publish(delta{upserts: upserts, removed: removed, problems: extra, correlation: newCorrelation()})
	return ch, werr
}

// teamResume is where the next session starts: the cached revision and the bucket's
// incarnation it belongs to.
func (ix *Index) teamResume() (rev uint64, stream int64, cached int) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.team.meta.Revision, ix.team.meta.Stream, len(ix.team.recs)
}

// setTeamState records the source's state. On a change of state it logs once and
// publishes the bucket's status problem, so a source that keeps failing is quiet; the
// reason of each attempt (which differs in little more than a port) is only kept for
// TeamStatus.
func (ix *Index) setTeamState(st TeamState, reason error) {
	t := ix.team
	text := ""
	if reason != nil {
		text = redactURLs(reason.Error())
	}
	t.smu.Lock()
	same := t.state == st
	if same {
		t.errText = text
	}
	t.smu.Unlock()
	if same {
		return
	}
	// The state is recorded after its status problem is in the snapshot, so whoever
	// sees the new state (TeamStatus) sees its diagnostic too.
	defer func() {
		t.smu.Lock()
		t.state, t.errText = st, text
		if st == TeamLive {
			t.cached = false
		}
		t.smu.Unlock()
	}()
	bucket := zap.String("bucket", t.bucket)
	switch st {
	case TeamLive:
		ix.log.Info("team rules are live", bucket, zap.String("url", redactURLs(t.cfg.URL)))
	default:
		ix.log.Warn("team rules are not live; serving the cached ones", bucket, zap.String("state", string(st)),
			zap.String("reason", text))
	}
	ch, ok := ix.publishTeamStatus(st, text)
	if ok && !ch.Empty() && ix.opt.OnChange != nil {
		ix.opt.OnChange(ch)
	}
}

// publishTeamStatus replaces the bucket's status problem. It reports false when the
// index is closed.
func (ix *Index) publishTeamStatus(st TeamState, reason string) (Change, bool) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.closed {
		return Change{}, false
	}
	t := ix.team
	uri := t.bucketURI()
	var ps []rules.Problem
	if st != TeamLive && st != TeamConnecting {
		msg := fmt.Sprintf("team rules of bucket %s are %s", t.bucket, st)
		if reason != "" {
			msg += ": " + reason
		}
		if len(t.recs) > 0 {
			msg += fmt.Sprintf("; serving %d cached rules from revision %d", len(t.recs), t.meta.Revision)
		}
		ps = []rules.Problem{{Code: CodeTeamStatus, Severity: rules.SeverityWarning, Message: msg}}
	}
	if old, had := t.problems[uri]; (had && slices.EqualFunc(old, ps, problemEqual)) || (!had && len(ps) == 0) {
		return Change{}, true
	}
	if len(ps) == 0 {
		delete(t.problems, uri)
	} else {
		t.problems[uri] = ps
	}
	return ix.publish(delta{problems: map[string][]rules.Problem{uri: ps}, correlation: newCorrelation()}), true
}

func problemEqual(a, b rules.Problem) bool {
	return a.Code == b.Code && a.Severity == b.Severity && a.Message == b.Message && a.Range == b.Range
}

// TeamStatus reports the team source's state, revision and cache age. It never waits
// on the network.
func (ix *Index) TeamStatus() TeamStatus {
	ix.mu.Lock()
	t := ix.team
	if t == nil || !t.cfg.Enabled() {
		ix.mu.Unlock()
		return TeamStatus{State: TeamOff}
	}
	s := TeamStatus{URL: redactURLs(t.cfg.URL), Bucket: t.bucket, Revision: t.meta.Revision, Rules: len(t.rules)}
	if t.meta.Synced != 0 {
		s.Synced = time.Unix(0, t.meta.Synced)
	}
	ix.mu.Unlock()
	s.Received = t.received.Load()
	s.Attempts = t.attempts.Load()
	t.smu.Lock()
	s.State, s.Error, s.Cached = t.state, t.errText, t.cached
	t.smu.Unlock()
	return s
}

// SyncTeam brings the team layer up to date once, for a one-shot process (the CLI):
// it connects, reads what changed since the cached revision and returns, within ctx's
// deadline. On failure the cached rules stay served and the error says why.
func (ix *Index) SyncTeam(ctx context.Context) (Change, error) {
	if ix.team == nil || !ix.team.cfg.Enabled() {
		return Change{}, errors.New("no team source configured")
	}
	var last Change
	err := ix.teamSession(ctx, true, func(ch Change) { last = mergeChanges(last, ch) })
	st := classifyTeamErr(err)
	if err == nil {
		st = TeamLive
	}
	t := ix.team
	t.smu.Lock()
	t.state = st
	t.errText = ""
	if err != nil {
		t.errText = redactURLs(err.Error())
	} else {
		t.cached = false
	}
	t.smu.Unlock()
	return last, err
}

// mergeChanges folds b into a, for a caller that wants one Change for several steps.
func mergeChanges(a, b Change) Change {
	if a.Empty() {
		return b
	}
	a.Generation = max(a.Generation, b.Generation)
	a.Added = append(a.Added, b.Added...)
	a.Updated = append(a.Updated, b.Updated...)
	a.Removed = append(a.Removed, b.Removed...)
	if len(b.Problems) > 0 && a.Problems == nil {
		a.Problems = map[string][]rules.Problem{}
	}
	for p, ps := range b.Problems {
		a.Problems[p] = ps
	}
	return a
}

// TeamRuleText returns the value a team rule was read from, by its URI, with its
// revision, for an editor that shows it read-only; false if no team rule has that URI.
// A value over the size limit is not kept: its text is empty.
func (ix *Index) TeamRuleText(uri string) (text string, rev uint64, ok bool) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	t := ix.team
	if t == nil {
		return "", 0, false
	}
	prefix := TeamURI(t.bucket, "")
	if !strings.HasPrefix(uri, prefix) {
		return "", 0, false
	}
	rec, ok := t.recs[strings.TrimPrefix(uri, prefix)]
	if !ok {
		return "", 0, false
	}
	return string(rec.Value), rec.Revision, true
}
