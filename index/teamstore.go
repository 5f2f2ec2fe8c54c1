package index

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/tidwall/buntdb"
)

// The team cache lives in the workspace's buntdb beside the rule records, under keys
// loadState never reads:
//
//	team:<bucket>:meta        teamMeta: the last revision applied, when, from where
//	team:<bucket>:rule:<key>  teamRecord: the value of one key and its revision
//
// A key deleted in the bucket is deleted here. Bucket names take no ':' (JetStream
// forbids it), so the prefixes of two buckets never overlap.
const preTeam = "team:"

func teamMetaKey(bucket string) string      { return preTeam + bucket + ":meta" }
func teamRulePrefix(bucket string) string   { return preTeam + bucket + ":rule:" }
func teamRuleKey(bucket, key string) string { return teamRulePrefix(bucket) + key }

// teamMeta is the cache's header.
type teamMeta struct {
	Revision uint64 `json:"revision"` // the highest revision applied
	Synced   int64  `json:"synced"`   // unix nanoseconds of the last contact
	URL      string `json:"url"`      // redacted
	// Stream names the bucket's stream incarnation (its creation time): a bucket
	// deleted and created again restarts its revisions, so the cache starts over.
	Stream int64 `json:"stream"`
}

// teamRecord is one cached key.
type teamRecord struct {
	Revision uint64 `json:"rev"`
	Created  int64  `json:"created"` // unix nanoseconds
	Value    []byte `json:"value"`
	// Size is the value's length; a value over rules.MaxFileSize is not kept, only its
	// size (Value is empty).
	Size int `json:"size"`
}

// loadTeam reads the cached team rules of a bucket.
func (s *store) loadTeam(bucket string) (teamMeta, map[string]teamRecord, error) {
	var meta teamMeta
	recs := map[string]teamRecord{}
	pre := teamRulePrefix(bucket)
	err := s.db.View(func(tx *buntdb.Tx) error {
		v, err := tx.Get(teamMetaKey(bucket))
		switch {
		case errors.Is(err, buntdb.ErrNotFound):
			return nil
		case err != nil:
			return err
		}
		if err := json.Unmarshal([]byte(v), &meta); err != nil {
			return fmt.Errorf("team cache meta: %w", err)
		}
		var derr error
		err = tx.AscendKeys(pre+"*", func(k, v string) bool {
			var r teamRecord
			if err := json.Unmarshal([]byte(v), &r); err != nil {
				derr = fmt.Errorf("team cache %s: %w", k, err)
				return false
			}
			recs[strings.TrimPrefix(k, pre)] = r
			return true
		})
		if err != nil {
			return err
		}
		return derr
	})
	return meta, recs, err
}

// writeTeam applies puts (key → record; a nil record deletes the key) and the new meta
// in one transaction; reset drops every cached key of the bucket first.
func (s *store) writeTeam(bucket string, meta teamMeta, puts map[string]*teamRecord, reset bool) error {
	mv, err := json.Marshal(meta)
	if err != nil {
		return err
	}
	err = s.db.Update(func(tx *buntdb.Tx) error {
		if reset {
			var old []string
			if err := tx.AscendKeys(teamRulePrefix(bucket)+"*", func(k, _ string) bool {
				old = append(old, k)
				return true
			}); err != nil {
				return err
			}
			for _, k := range old {
				if _, err := tx.Delete(k); err != nil && !errors.Is(err, buntdb.ErrNotFound) {
					return err
				}
			}
		}
		for k, r := range puts {
			if r == nil {
				if _, err := tx.Delete(teamRuleKey(bucket, k)); err != nil && !errors.Is(err, buntdb.ErrNotFound) {
					return err
				}
				continue
			}
			v, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if _, _, err := tx.Set(teamRuleKey(bucket, k), string(v), nil); err != nil {
				return err
			}
		}
		_, _, err := tx.Set(teamMetaKey(bucket), string(mv), nil)
		return err
	})
	if err != nil {
		return fmt.Errorf("write team cache: %w", err)
	}
	return nil
}
