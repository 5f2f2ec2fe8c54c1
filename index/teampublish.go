package index

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/airules/airules/rules"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TeamAuthorHeader names who published a revision (user@host), for KV history. The KV
// watchers ignore headers they do not know.
const TeamAuthorHeader = "Airules-Author"

// TeamClient is a short-lived connection to the team bucket for the CLI: init,
// publish, history, status.
type TeamClient struct {
	cfg     TeamConfig
	timeout time.Duration
	nc      *nats.Conn
	js      jetstream.JetStream
}

// DialTeam connects to the team server of cfg.
func DialTeam(ctx context.Context, cfg TeamConfig, timeout time.Duration) (*TeamClient, error) {
	if !cfg.Enabled() {
		return nil, errors.New("no team server configured: set team.url in config.yaml or AIRULES_TEAM_URL")
	}
	if timeout <= 0 {
		timeout = DefaultTeamTimeout
	}
	nc, err := TeamConnect(ctx, cfg, timeout)
	if err != nil {
		return nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	return &TeamClient{cfg: cfg, timeout: timeout, nc: nc, js: js}, nil
}

// Close closes the connection, after flushing what was published.
func (c *TeamClient) Close() {
	_ = c.nc.FlushTimeout(c.timeout)
	c.nc.Close()
}

// Init creates the bucket with the given replicas (1 if less), or leaves an existing
// one as it is when its replicas already match; a different count is updated in
// place. It reports what it did.
func (c *TeamClient) Init(ctx context.Context, replicas int) (string, error) {
	replicas = max(replicas, 1)
	bucket := c.cfg.BucketName()
	ctx, cancel := context.WithTimeout(ctx, max(c.timeout, 10*time.Second))
	defer cancel()
	cfg := jetstream.KeyValueConfig{
		Bucket:      bucket,
		Description: "airules team rules: keys are rule ids, values rule files",
		History:     64,
		Replicas:    replicas,
		// A rule file is at most 1 MiB; the envelope of a message needs a little more.
		MaxValueSize: 1<<20 + 4096,
	}
	kv, err := c.js.KeyValue(ctx, bucket)
	switch {
	case errors.Is(err, jetstream.ErrBucketNotFound):
		if _, err := c.js.CreateKeyValue(ctx, cfg); err != nil {
			if errors.Is(err, jetstream.ErrBucketExists) { // created meanwhile by another init
				return c.Init(ctx, replicas)
			}
			return "", fmt.Errorf("create bucket %s: %w", bucket, err)
		}
		return fmt.Sprintf("created bucket %s with %d replicas", bucket, replicas), nil
	case err != nil:
		return "", fmt.Errorf("bucket %s: %w", bucket, err)
	}
	st, err := kv.Status(ctx)
	if err != nil {
		return "", fmt.Errorf("bucket %s: %w", bucket, err)
	}
	have := st.Config().Replicas
	if have == replicas {
		return fmt.Sprintf("bucket %s exists with %d replicas; nothing to do", bucket, have), nil
	}
	cur := st.Config()
	cur.Replicas = replicas
	if _, err := c.js.UpdateKeyValue(ctx, cur); err != nil {
		return "", fmt.Errorf("update bucket %s to %d replicas: %w", bucket, replicas, err)
	}
	return fmt.Sprintf("bucket %s: replicas %d → %d", bucket, have, replicas), nil
}

func (c *TeamClient) kv(ctx context.Context) (jetstream.KeyValue, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	kv, err := c.js.KeyValue(ctx, c.cfg.BucketName())
	if err != nil {
		if errors.Is(err, jetstream.ErrBucketNotFound) {
			return nil, fmt.Errorf("bucket %s does not exist (airules team init creates it): %w", c.cfg.BucketName(), err)
		}
		return nil, fmt.Errorf("bucket %s: %w", c.cfg.BucketName(), err)
	}
	return kv, nil
}

// TeamAction is one step of a publication.
type TeamAction struct {
	Op       string `json:"op"` // "create", "update", "delete"
	ID       string `json:"id"`
	Key      string `json:"key"`
	Revision uint64 `json:"revision,omitempty"` // the revision written (0 in a dry run)
	Err      string `json:"error,omitempty"`
}

// TeamReport is what Publish did.
type TeamReport struct {
	Actions   []TeamAction `json:"actions"`
	Unchanged int          `json:"unchanged"`
	DryRun    bool         `json:"dry_run,omitempty"`
}

// Failed reports whether any action failed.
func (r TeamReport) Failed() bool {
	return slices.ContainsFunc(r.Actions, func(a TeamAction) bool { return a.Err != "" })
}

// Publish makes the bucket hold exactly want (rule id → file content): it puts what is
// new or changed, writes a delete marker for each key gone (history keeps them), and
// touches nothing unchanged. Each write expects the revision it read, so a concurrent
// publication fails instead of being overwritten. author goes into each revision's
// header ("" for none).
func (c *TeamClient) Publish(ctx context.Context, want map[string][]byte, dryRun bool, author string) (TeamReport, error) {
	rep := TeamReport{DryRun: dryRun}
	kv, err := c.kv(ctx)
	if err != nil {
		return rep, err
	}
	have, last, err := currentValues(ctx, kv, c.timeout)
	if err != nil {
		return rep, err
	}
	keys := map[string]string{} // key → id
	for id := range want {
		k := TeamKey(id)
		if !validTeamKey(k) {
			rep.Actions = append(rep.Actions, TeamAction{Op: "create", ID: id, Key: k, Err: "the id makes no valid key"})
			continue
		}
		keys[k] = id
	}
	var acts []TeamAction
	for _, k := range sortedKeys(keys) {
		id := keys[k]
		cur, ok := have[k]
		switch {
		case !ok:
			// A key deleted before has a delete marker as its last revision.
			acts = append(acts, TeamAction{Op: "create", ID: id, Key: k, Revision: last[k]})
		case !bytes.Equal(cur.value, want[id]):
			acts = append(acts, TeamAction{Op: "update", ID: id, Key: k, Revision: cur.rev})
		default:
			rep.Unchanged++
		}
	}
	for _, k := range sortedKeys(have) {
		if _, ok := keys[k]; !ok {
			acts = append(acts, TeamAction{Op: "delete", ID: TeamID(k), Key: k, Revision: have[k].rev})
		}
	}
	bucket := c.cfg.BucketName()
	for _, a := range acts {
		expect := a.Revision
		a.Revision = 0
		if !dryRun {
			m := nats.NewMsg("$KV." + bucket + "." + a.Key)
			if a.Op == "delete" {
				m.Header.Set("KV-Operation", "DEL")
			} else {
				m.Data = want[a.ID]
			}
			if author != "" {
				m.Header.Set(TeamAuthorHeader, author)
			}
			// 0 expects the key to have no value yet.
			m.Header.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(expect, 10))
			pctx, cancel := context.WithTimeout(ctx, c.timeout)
			ack, err := c.js.PublishMsg(pctx, m)
			cancel()
			if err != nil {
				a.Err = err.Error()
			} else {
				a.Revision = ack.Sequence
			}
		}
		rep.Actions = append(rep.Actions, a)
	}
	if rep.Failed() {
		return rep, errors.New("some team rules were not published")
	}
	return rep, nil
}

type kvValue struct {
	value []byte
	rev   uint64
}

// currentValues reads every key that holds a value, with its revision, and the last
// revision of every key (delete markers included).
func currentValues(ctx context.Context, kv jetstream.KeyValue, timeout time.Duration) (map[string]kvValue, map[string]uint64, error) {
	wctx, cancel := context.WithTimeout(ctx, max(timeout, 10*time.Second))
	defer cancel()
	w, err := kv.WatchAll(wctx)
	if err != nil {
		return nil, nil, fmt.Errorf("read bucket: %w", err)
	}
	defer func() { _ = w.Stop() }()
	out := map[string]kvValue{}
	last := map[string]uint64{}
	for {
		select {
		case <-wctx.Done():
			return nil, nil, fmt.Errorf("read bucket: %w", wctx.Err())
		case e, ok := <-w.Updates():
			if !ok {
				return nil, nil, errors.New("read bucket: the watch ended")
			}
			if e == nil {
				return out, last, nil
			}
			last[e.Key()] = e.Revision()
			if e.Operation() == jetstream.KeyValuePut {
				out[e.Key()] = kvValue{value: e.Value(), rev: e.Revision()}
			} else {
				delete(out, e.Key())
			}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TeamRevision is one revision of a key.
type TeamRevision struct {
	Revision uint64    `json:"revision"`
	Op       string    `json:"op"` // "put", "delete", "purge"
	Created  time.Time `json:"created"`
	Author   string    `json:"author,omitempty"`
	Size     int       `json:"size"`
}

// History lists the revisions of a rule id that the bucket keeps, oldest first.
func (c *TeamClient) History(ctx context.Context, id string) ([]TeamRevision, error) {
	kv, err := c.kv(ctx)
	if err != nil {
		return nil, err
	}
	hctx, cancel := context.WithTimeout(ctx, max(c.timeout, 10*time.Second))
	defer cancel()
	es, err := kv.History(hctx, TeamKey(id))
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", id, err)
	}
	stream, err := c.js.Stream(hctx, "KV_"+c.cfg.BucketName())
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", id, err)
	}
	out := make([]TeamRevision, 0, len(es))
	for _, e := range es {
		r := TeamRevision{Revision: e.Revision(), Created: e.Created(), Size: len(e.Value())}
		switch e.Operation() {
		case jetstream.KeyValueDelete:
			r.Op = "delete"
		case jetstream.KeyValuePurge:
			r.Op = "purge"
		default:
			r.Op = "put"
		}
		// The author is in the message's header, which KV entries do not carry.
		if m, err := stream.GetMsg(hctx, e.Revision()); err == nil {
			r.Author = m.Header.Get(TeamAuthorHeader)
		}
		out = append(out, r)
	}
	return out, nil
}

// TeamServerStatus is the bucket as the server sees it.
type TeamServerStatus struct {
	Bucket   string `json:"bucket"`
	Values   uint64 `json:"values"` // messages, history included
	Revision uint64 `json:"revision"`
	Replicas int    `json:"replicas"`
	History  int64  `json:"history"`
	Server   string `json:"server"`
}

// Status reads the bucket's state from the server.
func (c *TeamClient) Status(ctx context.Context) (TeamServerStatus, error) {
	kv, err := c.kv(ctx)
	if err != nil {
		return TeamServerStatus{}, err
	}
	sctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	st, err := kv.Status(sctx)
	if err != nil {
		return TeamServerStatus{}, fmt.Errorf("bucket status: %w", err)
	}
	out := TeamServerStatus{Bucket: st.Bucket(), Values: st.Values(), Replicas: st.Config().Replicas,
		History: st.History(), Server: redactURLs(c.nc.ConnectedUrlRedacted())}
	if bs, ok := st.(*jetstream.KeyValueBucketStatus); ok {
		out.Revision = bs.StreamInfo().State.LastSeq
	}
	return out, nil
}

// NativeRules reads the native rules tree <root>/<rulesDir> (default .ai-rules) for
// publishing: rule id → file content, for every *.md file outside dot-named files and
// folders. A file over rules.MaxFileSize is an error: the bucket would refuse it.
func NativeRules(root, rulesDir string) (map[string][]byte, error) {
	if rulesDir == "" {
		rulesDir = rules.DefaultRulesDir
	}
	base := filepath.Join(root, rulesDir)
	out := map[string][]byte{}
	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if p != base && strings.HasPrefix(name, ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !strings.HasSuffix(name, ".md") || !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(base, p)
		if err != nil {
			return err
		}
		data, err := readSmallRegular(p, rules.MaxFileSize)
		if err != nil {
			return fmt.Errorf("rule %s: %w", rel, err)
		}
		out[strings.TrimSuffix(filepath.ToSlash(rel), ".md")] = data
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read rules of %s: %w", base, err)
	}
	return out, nil
}
