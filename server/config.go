package server

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/airules/airules/index"
	"go.lsp.dev/protocol"
	"go.uber.org/zap"
)

// Watch modes: who watches rule files for changes made outside the editor.
const (
	watchAuto   = "auto"   // the server's own watcher, plus the client's when it offers one
	watchServer = "server" // only the server's fsnotify watcher
	watchClient = "client" // only the client's workspace/didChangeWatchedFiles
)

// settings are what initializationOptions and workspace/didChangeConfiguration set.
type settings struct {
	RulesDir      string
	MaxTokens     int
	DisabledRules []string
	Hover         bool
	Watch         string
	LogLevel      string
	LogFile       string
	// Team is the team source set by the client (url, bucket, creds, tls); it goes on
	// top of the config files' team: section (index.LoadTeamConfig).
	Team index.TeamConfig
}

func defaultConfig() settings {
	// MaxTokens 0: the workspace's configuration file decides, else rules.DefaultMaxTokens.
	return settings{RulesDir: ".ai-rules", Hover: true, Watch: watchAuto}
}

// serverWatch reports whether the index runs its own fsnotify watcher.
func (c settings) serverWatch() bool { return c.Watch != watchClient }

// clientWatch reports whether to ask the client for file events.
func (c settings) clientWatch() bool { return c.Watch != watchServer }

// reopenNeeded reports whether going from c to n needs new indexes: the rules root and
// the watcher are fixed when an index opens.
func (c settings) reopenNeeded(n settings) bool {
	return c.RulesDir != n.RulesDir || c.serverWatch() != n.serverWatch() || c.Team != n.Team
}

// applySettings merges settings (initializationOptions, or the settings of
// didChangeConfiguration) into c. Settings may sit under the key "airules" or at the
// top level. Values of the wrong type are reported in warnings and ignored: a typo in
// an editor's settings must not take the server down or reset other options.
func (c settings) applySettings(raw json.RawMessage) (settings, []string) {
	var m map[string]any
	if len(raw) == 0 || string(raw) == "null" {
		return c, nil
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return c, []string{fmt.Sprintf("settings are not an object: %v", err)}
	}
	if sub, ok := m["airules"].(map[string]any); ok {
		m = sub
	}
	var warn []string
	bad := func(key string, v any, want string) {
		warn = append(warn, fmt.Sprintf("setting %s: want %s, got %v", key, want, v))
	}
	for key, v := range m {
		if v == nil {
			continue
		}
		switch key {
		case "rulesDir":
			if s, ok := v.(string); ok && strings.TrimSpace(s) != "" {
				c.RulesDir = strings.TrimSpace(s)
			} else {
				bad(key, v, "a folder name")
			}
		case "maxTokens":
			if n, ok := positiveInt(v); ok {
				c.MaxTokens = n
			} else {
				bad(key, v, "a positive integer")
			}
		case "disabledRules":
			list, ok := v.([]any)
			if !ok {
				bad(key, v, "a list of rule ids")
				continue
			}
			c.DisabledRules = c.DisabledRules[:0:0]
			for _, e := range list {
				if s, ok := e.(string); ok && s != "" {
					c.DisabledRules = append(c.DisabledRules, s)
				}
			}
		case "hover":
			switch x := v.(type) {
			case bool:
				c.Hover = x
			case string:
				switch strings.ToLower(x) {
				case "on", "true", "enabled":
					c.Hover = true
				case "off", "false", "disabled":
					c.Hover = false
				default:
					bad(key, v, "on or off")
				}
			case map[string]any: // VS Code style: hover: {enabled: false}
				if b, ok := x["enabled"].(bool); ok {
					c.Hover = b
				}
			default:
				bad(key, v, "on or off")
			}
		case "watch":
			s, _ := v.(string)
			switch s {
			case watchAuto, watchServer, watchClient:
				c.Watch = s
			default:
				bad(key, v, "auto, server or client")
			}
		case "logLevel":
			if s, ok := v.(string); ok {
				c.LogLevel = s
			} else {
				bad(key, v, "debug, info, warn or error")
			}
		case "logFile":
			if s, ok := v.(string); ok {
				c.LogFile = s
			} else {
				bad(key, v, "a file path")
			}
		case "team":
			if t, ok := teamSetting(v); ok {
				c.Team = t
			} else {
				bad(key, v, "an object {url, bucket, creds, tls: {ca, cert, key}} of strings")
			}
		}
	}
	return c, warn
}

// teamSetting reads the team object of the settings.
func teamSetting(v any) (index.TeamConfig, bool) {
	raw, err := json.Marshal(v)
	if err != nil {
		return index.TeamConfig{}, false
	}
	var t index.TeamConfig
	if err := json.Unmarshal(raw, &t); err != nil {
		return index.TeamConfig{}, false
	}
	return t, true
}

// positiveInt accepts JSON numbers and numeric strings.
func positiveInt(v any) (int, bool) {
	switch x := v.(type) {
	case float64:
		if x >= 1 && x <= math.MaxInt32 && x == math.Trunc(x) {
			return int(x), true
		}
	case string:
		if n, err := strconv.Atoi(strings.TrimSpace(x)); err == nil && n > 0 {
			return n, true
		}
	}
	return 0, false
}

// didChangeConfiguration applies new settings. Clients that send no settings (only a
// "something changed" ping) are asked with workspace/configuration, from a goroutine.
func (s *session) didChangeConfiguration(ctx context.Context, p *protocol.DidChangeConfigurationParams) error {
	raw, err := json.Marshal(p.Settings)
	if err != nil || p.Settings == nil || string(raw) == "null" || string(raw) == "{}" {
		s.mu.Lock()
		pull := s.caps.configurationPull
		s.mu.Unlock()
		if pull {
			s.goSafe("pull configuration", s.pullConfiguration)
		}
		return nil
	}
	s.applyConfig(raw)
	return nil
}

// pullConfiguration asks the client for the "airules" section.
func (s *session) pullConfiguration() {
	ctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
	defer cancel()
	var res []json.RawMessage
	params := map[string]any{"items": []map[string]any{{"section": "airules"}}}
	if _, err := s.conn.Call(ctx, "workspace/configuration", params, &res); err != nil {
		s.logger().Debug("workspace/configuration", zap.Error(err))
		return
	}
	if len(res) == 0 || len(res[0]) == 0 || string(res[0]) == "null" {
		return
	}
	s.queue.push(func() { s.applyConfig(res[0]) }) // in order with the handlers
}

// applyConfig merges settings into the configuration and applies what changed: the
// rules root or watch mode reopen the indexes; disabled rules are swapped in place.
func (s *session) applyConfig(raw json.RawMessage) {
	s.mu.Lock()
	old := s.cfg
	// From the initialization options, not from the last settings: a setting the user
	// removed goes back to its default instead of keeping its old value.
	cfg, warn := s.initCfg.applySettings(raw)
	s.cfg = cfg
	folders := s.folders
	caps := s.caps
	s.mu.Unlock()
	for _, w := range warn {
		s.logger().Warn("configuration: " + w)
	}
	s.setLogging(cfg.LogLevel, cfg.LogFile)
	switch {
	case old.reopenNeeded(cfg):
		s.logger().Info("reopening the indexes", zap.String("rulesDir", cfg.RulesDir), zap.String("watch", cfg.Watch))
		for _, f := range folders {
			s.reopenFolder(f, cfg)
		}
	case !slices.Equal(old.DisabledRules, cfg.DisabledRules):
		s.didModify(modification{kind: modDisabled, disabled: cfg.DisabledRules})
	}
	switch {
	case caps.watchRegistration && cfg.clientWatch() && (!old.clientWatch() || old.RulesDir != cfg.RulesDir):
		s.goSafe("register watchers", func() { s.registerWatchers(cfg) })
	case caps.watchRegistration && old.clientWatch() && !cfg.clientWatch():
		s.goSafe("unregister watchers", s.unregisterWatchers)
	}
	if s.onConfig != nil {
		s.onConfig()
	}
}

// reopenFolder replaces a folder's index with one opened under cfg. Generations go on
// from the old index's so the client only ever sees them grow.
func (s *session) reopenFolder(old *folder, cfg settings) {
	nf := newFolder(old.uri, old.root, old.name)
	s.pub.mu.Lock()
	nf.genBase = old.lastGen
	nf.lastGen = old.lastGen
	s.pub.mu.Unlock()
	s.mu.Lock()
	// Copy on write: goroutines iterate the slices they got from currentFolders.
	folders := slices.Clone(s.folders)
	for i, f := range folders {
		if f == old {
			folders[i] = nf
		}
	}
	s.folders = folders
	s.mu.Unlock()
	s.closeFolder(old)
	s.openFolder(nf, cfg, "configuration")
}
