package server

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLogFileSetting(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "airules.log")
	e := start(t, copyExample(t), sessionOptions{initOptions: map[string]any{"logFile": logFile, "logLevel": "debug"}})
	e.waitReady()
	data, err := os.ReadFile(logFile)
	if err != nil || !strings.Contains(string(data), "initialize") {
		t.Errorf("logFile: %v %q", err, data)
	}
}

func TestConfigurationPull(t *testing.T) {
	caps := defaultCaps()
	caps["workspace"].(map[string]any)["configuration"] = true
	applied := make(chan struct{}, 1)
	e := start(t, copyExample(t), sessionOptions{caps: caps, setup: func(s *session) {
		s.onConfig = func() {
			select {
			case applied <- struct{}{}:
			default:
			}
		}
	}})
	e.waitReady()
	e.rec.mu.Lock()
	e.rec.config = map[string]any{"maxTokens": 777}
	e.rec.mu.Unlock()
	// VS Code without synchronize sends no settings: the server asks for them.
	e.notify("workspace/didChangeConfiguration", map[string]any{"settings": nil})
	select {
	case <-applied:
	case <-time.After(10 * time.Second):
		t.Fatal("the pulled configuration was never applied")
	}
	if ctx, err := e.context(e.uri(liveview), nil); err != nil || ctx.MaxTokens != 777 {
		t.Fatalf("pulled configuration not applied: %d %v", ctx.MaxTokens, err)
	}
}

func TestApplySettings(t *testing.T) {
	cfg, warn := defaultConfig().applySettings(json.RawMessage(`{"airules": {"maxTokens": 500, "hover": "off", "watch": "client",
		"disabledRules": ["a", 3, "b"], "rulesDir": "rules", "logLevel": "debug"}}`))
	if cfg.MaxTokens != 500 || cfg.Hover || cfg.Watch != "client" || !slices.Equal(cfg.DisabledRules, []string{"a", "b"}) ||
		cfg.RulesDir != "rules" || cfg.LogLevel != "debug" || len(warn) != 0 {
		t.Errorf("settings %+v, warnings %v", cfg, warn)
	}
	cfg, warn = cfg.applySettings(json.RawMessage(`{"maxTokens": -1, "hover": true, "watch": "sometimes", "rulesDir": 5}`))
	if cfg.MaxTokens != 500 || !cfg.Hover || cfg.Watch != "client" || cfg.RulesDir != "rules" || len(warn) != 3 {
		t.Errorf("bad values must be ignored with warnings: %+v %v", cfg, warn)
	}
	cfg, _ = cfg.applySettings(json.RawMessage(`{"maxTokens": "1200", "hover": {"enabled": false}}`))
	if cfg.MaxTokens != 1200 || cfg.Hover {
		t.Errorf("string maxTokens / VS Code hover object: %+v", cfg)
	}
	if c2, w := cfg.applySettings(json.RawMessage(`[1]`)); len(w) != 1 || c2.MaxTokens != 1200 {
		t.Errorf("non-object settings: %+v %v", c2, w)
	}
}

// TestRemovedSettingReverts: settings are the initialization options with what the
// client sends now; a setting it no longer sends goes back, instead of sticking.
func TestRemovedSettingReverts(t *testing.T) {
	e := start(t, copyExample(t), sessionOptions{initOptions: map[string]any{"maxTokens": 3000}})
	e.waitReady()
	budget := func() int {
		t.Helper()
		c, err := e.context(e.uri(liveview), nil)
		if err != nil {
			t.Fatal(err)
		}
		return c.MaxTokens
	}
	e.notify("workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{"airules": map[string]any{"maxTokens": 500}}})
	if got := budget(); got != 500 {
		t.Fatalf("maxTokens after setting it: %d, want 500", got)
	}
	e.notify("workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{"airules": map[string]any{"hover": "on"}}})
	if got := budget(); got != 3000 {
		t.Errorf("maxTokens after the user removed it: %d, want the initialization option 3000", got)
	}
}
