package index

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/airules/airules/rules"
	"github.com/klauspost/compress/s2"
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

// The log is kept in batches: one event:<seq> record holds the events of one reindex
// from seq on, up to eventBatch of them, as s2-packed JSON lines behind their count
// ("<n>:<packed>"). A first index of 10,000 rules logs 10,000 events, and one record
// each made the log the largest part of what buntdb holds in memory; packed together,
// their repeated field names and values take a fraction of that. Sequence numbers are
// consecutive, so a batch's events are first..first+n-1.
const eventBatch = 64

// eventRun is one batch record: its first sequence number and its number of events.
type eventRun struct {
	first uint64
	n     int
}

// eventOps numbers events and returns their writes, plus the deletes of the oldest
// batches that keep at least MaxEvents events, and at most a batch more (History shows
// no more than MaxEvents).
func (ix *Index) eventOps(events []Event) [][]op {
	if len(events) == 0 {
		return nil
	}
	for i := range events {
		events[i].Seq = ix.nextSeq
		ix.nextSeq++
	}
	groups, runs := eventRecords(events)
	for _, r := range runs {
		ix.eventCount += r.n
	}
	ix.eventRuns = append(ix.eventRuns, runs...)
	for len(ix.eventRuns) > 1 && ix.eventCount-ix.eventRuns[0].n >= ix.opt.MaxEvents {
		groups = append(groups, []op{{key: eventKey(ix.eventRuns[0].first), del: true}})
		ix.eventCount -= ix.eventRuns[0].n
		ix.eventRuns = ix.eventRuns[1:]
	}
	return groups
}

// readEvents reads the event log of a database of any schema that logged events as
// event:<seq> records, one event of JSON each (up to airules-index/4) or a batch,
// skipping what does not decode.
func readEvents(db *buntdb.DB) []Event {
	var out []Event
	_ = db.View(func(tx *buntdb.Tx) error {
		return tx.AscendKeys(preEvent+"*", func(_, v string) bool {
			if evs, err := decodeEvents(v); err == nil {
				out = append(out, evs...)
				return true
			}
			var ev Event
			if json.Unmarshal([]byte(v), &ev) == nil && ev.Seq > 0 && ev.Type != "" {
				out = append(out, ev)
			}
			return true
		})
	})
	return out
}

// eventRecords writes events, numbered already and oldest first, as batch records (a
// batch holds consecutive numbers only), and returns the batches too.
func eventRecords(events []Event) ([][]op, []eventRun) {
	groups := make([][]op, 0, len(events)/eventBatch+1)
	var runs []eventRun
	for len(events) > 0 {
		n := 1
		for n < len(events) && n < eventBatch && events[n].Seq == events[n-1].Seq+1 {
			n++
		}
		groups = append(groups, []op{{key: eventKey(events[0].Seq), val: encodeEvents(events[:n])}})
		runs = append(runs, eventRun{first: events[0].Seq, n: n})
		events = events[n:]
	}
	return groups, runs
}

// encodeEvents is the value of a batch record.
func encodeEvents(batch []Event) string {
	var lines []byte
	for i := range batch {
		if i > 0 {
			lines = append(lines, '\n')
		}
		lines = appendEvent(lines, &batch[i])
	}
	return strconv.Itoa(len(batch)) + ":" + string(s2.Encode(nil, lines))
}

// eventCountOf reads a batch record's count without unpacking it.
func eventCountOf(v string) (int, error) {
	ns, _, ok := strings.Cut(v, ":")
	n, err := strconv.Atoi(ns)
	if !ok || err != nil || n <= 0 || n > eventBatch {
		return 0, errBadRecord
	}
	return n, nil
}

// decodeEvents unpacks a batch record, oldest event first.
func decodeEvents(v string) ([]Event, error) {
	n, err := eventCountOf(v)
	if err != nil {
		return nil, err
	}
	_, packed, _ := strings.Cut(v, ":")
	lines, err := s2.Decode(nil, []byte(packed))
	if err != nil {
		return nil, fmt.Errorf("unpack: %w", err)
	}
	out := make([]Event, 0, n)
	for line := range bytes.SplitSeq(lines, []byte("\n")) {
		var ev Event
		if err := json.Unmarshal(line, &ev); err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	if len(out) != n {
		return nil, errBadRecord
	}
	return out, nil
}

// History returns the logged events of a rule id ("" for all), newest first, at most
// limit of them (all when limit <= 0), of the last MaxEvents.
func (ix *Index) History(ruleID string, limit int) ([]Event, error) {
	var out []Event
	var derr error
	seen := 0
	err := ix.st.db.View(func(tx *buntdb.Tx) error {
		return tx.DescendKeys(preEvent+"*", func(k, v string) bool {
			evs, err := decodeEvents(v)
			if err != nil {
				derr = fmt.Errorf("events from %s: %w", k, err)
				return true // one bad entry does not hide the rest
			}
			for i := len(evs) - 1; i >= 0; i-- {
				if seen++; seen > ix.opt.MaxEvents {
					return false
				}
				if ruleID != "" && evs[i].RuleID != ruleID {
					continue
				}
				out = append(out, evs[i])
				if limit > 0 && len(out) >= limit {
					return false
				}
			}
			return true
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
