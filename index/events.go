package index

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/airules/airules/rules"
	"github.com/tidwall/buntdb"
)

// ruleEvent describes a change of r; Seq is set when the event is written.
func ruleEvent(typ string, r *rules.Rule, cause, corr string, now time.Time) Event {
	return Event{
		Type: typ, RuleID: r.ID, Layer: r.Layer.String(), Path: r.Path, Version: r.Version, Hash: r.Hash,
		Time: now.UTC(), Causation: cause, Correlation: corr,
	}
}

// storedDeleteEvent describes the deletion of a file the index knew only from the store
// (it vanished while no airules ran).
func storedDeleteEvent(st *store, path, key, cause, corr string, now time.Time) Event {
	ev := Event{Type: "deleted", Path: path, Time: now.UTC(), Causation: cause, Correlation: corr}
	layer, id, _ := strings.Cut(strings.TrimPrefix(key, preRule), ":")
	id, _, _ = strings.Cut(id, "#")
	ev.Layer, ev.RuleID = layer, id
	_ = st.db.View(func(tx *buntdb.Tx) error {
		if rec, st := loadRule(tx, key); st == loadOK {
			ev.RuleID, ev.Layer, ev.Version, ev.Hash = rec.ID, rec.Layer, rec.Version, rec.Hash
		}
		return nil
	})
	return ev
}

// eventOps numbers events and returns their writes, plus the deletes that keep the log
// within MaxEvents (oldest first).
func (ix *Index) eventOps(events []Event) [][]op {
	if len(events) == 0 {
		return nil
	}
	groups := make([][]op, 0, len(events))
	for i := range events {
		events[i].Seq = ix.nextSeq
		ix.nextSeq++
		groups = append(groups, []op{{key: eventKey(events[i].Seq), val: string(appendEvent(nil, &events[i]))}})
	}
	ix.eventKeys += len(events)
	for ix.eventKeys > ix.opt.MaxEvents && ix.firstSeq < ix.nextSeq {
		groups = append(groups, []op{{key: eventKey(ix.firstSeq), del: true}})
		ix.firstSeq++
		ix.eventKeys--
	}
	return groups
}

// History returns the logged events of a rule id ("" for all), newest first, at most
// limit of them (all when limit <= 0).
func (ix *Index) History(ruleID string, limit int) ([]Event, error) {
	var out []Event
	var derr error
	err := ix.st.db.View(func(tx *buntdb.Tx) error {
		return tx.DescendKeys(preEvent+"*", func(k, v string) bool {
			var ev Event
			if err := json.Unmarshal([]byte(v), &ev); err != nil {
				derr = fmt.Errorf("event %s: %w", k, err)
				return true // one bad entry does not hide the rest
			}
			if ruleID != "" && ev.RuleID != ruleID {
				return true
			}
			out = append(out, ev)
			return limit <= 0 || len(out) < limit
		})
	})
	if err != nil {
		return out, fmt.Errorf("read history: %w", err)
	}
	if derr != nil && len(out) == 0 {
		return nil, fmt.Errorf("read history: %w", derr)
	}
	return out, nil
}

// Event is one entry of the event log.
type Event struct {
	Seq         uint64    `json:"seq"`
	Type        string    `json:"type"` // created, updated, deleted, invalid
	RuleID      string    `json:"rule_id"`
	Layer       string    `json:"layer"`
	Path        string    `json:"path"`
	Version     string    `json:"version,omitempty"`
	Hash        string    `json:"hash,omitempty"`
	Time        time.Time `json:"time"`
	Causation   string    `json:"causation_id"`
	Correlation string    `json:"correlation_id"`
}
