package server

import (
	"context"
	"encoding/json"
	"github.com/airules/airules/server/wire"
	"os"
	"path/filepath"

	"go.lsp.dev/protocol"
	"go.uber.org/zap"
)

// clientCaps is what the server uses of the client's capabilities.
type clientCaps struct {
	workDoneProgress   bool // window.workDoneProgress
	watchRegistration  bool // workspace.didChangeWatchedFiles.dynamicRegistration
	snippets           bool // textDocument.completion.completionItem.snippetSupport
	markdownHover      bool // textDocument.hover.contentFormat has markdown (or is absent)
	configurationPull  bool // workspace.configuration
	workspaceFolders   bool // workspace.workspaceFolders
	relativePatternsOK bool // didChangeWatchedFiles.relativePatternSupport (3.17)
	name               string
}

// initializeParams decodes initialize leniently: each field on its own, capabilities
// as raw JSON probed for the few flags used. A capability shape the Go protocol types
// do not expect (semanticTokens.requests.range: {}) never fails initialize.
type initializeParams struct {
	RootURI               string
	RootPath              string
	WorkspaceFolders      []protocol.WorkspaceFolder
	InitializationOptions json.RawMessage
	Capabilities          map[string]any
	ClientName            string
}

func decodeInitialize(raw []byte) (initializeParams, []string) {
	var p initializeParams
	var warn []string
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return p, []string{"initialize params are not an object: " + err.Error()}
	}
	field := func(name string, v any) {
		if r, ok := fields[name]; ok && string(r) != "null" {
			if err := json.Unmarshal(r, v); err != nil {
				warn = append(warn, "ignoring initialize field "+name+": "+err.Error())
			}
		}
	}
	field("rootUri", &p.RootURI)
	field("rootPath", &p.RootPath)
	var folders []map[string]any
	field("workspaceFolders", &folders)
	for _, f := range folders {
		uri, _ := f["uri"].(string)
		name, _ := f["name"].(string)
		if uri != "" {
			p.WorkspaceFolders = append(p.WorkspaceFolders, protocol.WorkspaceFolder{URI: uri, Name: name})
		}
	}
	p.InitializationOptions = fields["initializationOptions"]
	field("capabilities", &p.Capabilities)
	var info struct {
		Name string `json:"name"`
	}
	field("clientInfo", &info)
	p.ClientName = info.Name
	return p, warn
}

// lookup walks nested objects of decoded JSON.
func lookup(m map[string]any, path ...string) any {
	var cur any = m
	for _, k := range path {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = obj[k]
	}
	return cur
}

func capFlag(m map[string]any, path ...string) bool {
	b, _ := lookup(m, path...).(bool)
	return b
}

func capsOf(p initializeParams) clientCaps {
	c := p.Capabilities
	caps := clientCaps{
		workDoneProgress:   capFlag(c, "window", "workDoneProgress"),
		watchRegistration:  capFlag(c, "workspace", "didChangeWatchedFiles", "dynamicRegistration"),
		snippets:           capFlag(c, "textDocument", "completion", "completionItem", "snippetSupport"),
		configurationPull:  capFlag(c, "workspace", "configuration"),
		workspaceFolders:   capFlag(c, "workspace", "workspaceFolders"),
		relativePatternsOK: capFlag(c, "workspace", "didChangeWatchedFiles", "relativePatternSupport"),
		markdownHover:      true,
		name:               p.ClientName,
	}
	if formats, ok := lookup(c, "textDocument", "hover", "contentFormat").([]any); ok && len(formats) > 0 {
		caps.markdownHover = false
		for _, f := range formats {
			if f == "markdown" {
				caps.markdownHover = true
			}
		}
	}
	return caps
}

func (s *session) initialize(ctx context.Context, raw *json.RawMessage) (any, error) {
	s.clientAttached.Store(true)
	p, warn := decodeInitialize(*raw)
	for _, w := range warn {
		s.logger().Warn(w)
	}
	cfg, warn := defaultConfig().applySettings(p.InitializationOptions)
	for _, w := range warn {
		s.logger().Warn("initializationOptions: " + w)
	}
	s.setLogging(cfg.LogLevel, cfg.LogFile)

	var folders []*folder
	seen := map[string]bool{}
	add := func(uri, name string) {
		path, err := uriToPath(uri)
		if err != nil {
			s.logger().Warn("ignoring workspace folder", zap.String("uri", uri), zap.Error(err))
			return
		}
		if !seen[path] {
			seen[path] = true
			folders = append(folders, newFolder(uri, path, name))
		}
	}
	for _, f := range p.WorkspaceFolders {
		add(f.URI, f.Name)
	}
	if len(folders) == 0 && p.RootURI != "" {
		add(p.RootURI, "")
	}
	if len(folders) == 0 && p.RootPath != "" {
		if abs, err := filepath.Abs(p.RootPath); err == nil {
			add(wire.FileURI(abs), "")
		}
	}
	if len(folders) == 0 {
		// No folder at all (a single file opened): serve nothing rather than index
		// whatever directory the server happened to start in.
		s.logger().Info("initialize without workspace folders: no rules will apply")
	}

	s.mu.Lock()
	s.state = stateInitialized
	s.caps = capsOf(p)
	s.cfg, s.initCfg = cfg, cfg
	s.folders = folders
	s.mu.Unlock()
	s.logger().Info("initialize", zap.String("client", p.ClientName), zap.Int("folders", len(folders)),
		zap.String("rulesDir", cfg.RulesDir), zap.String("watch", cfg.Watch))

	// Indexes open now, in the background; results are published after initialized.
	for _, f := range folders {
		s.openFolder(f, cfg, "startup")
	}
	return initializeResult(), nil
}

// initializeResult lists the capabilities. Incremental sync keeps big rule files cheap
// to edit; saves carry no text: the open buffer's overlay already holds it.
func initializeResult() map[string]any {
	return map[string]any{
		"capabilities": map[string]any{
			"textDocumentSync": map[string]any{
				"openClose": true,
				"change":    protocol.TextDocumentSyncKindIncremental,
				"save":      map[string]any{"includeText": false},
			},
			"hoverProvider": true,
			"completionProvider": map[string]any{
				"triggerCharacters": []string{":", "/", "\"", "'", "-", " ", "["},
				"resolveProvider":   false,
			},
			"codeActionProvider":     map[string]any{"codeActionKinds": []string{string(protocol.QuickFix)}},
			"documentSymbolProvider": true,
			"codeLensProvider":       map[string]any{"resolveProvider": false},
			"documentLinkProvider":   map[string]any{"resolveProvider": false},
			"workspace": map[string]any{
				"workspaceFolders": map[string]any{"supported": true, "changeNotifications": true},
			},
			"experimental": map[string]any{"airules": map[string]any{"context": true, "rules": true, "indexChanged": true}},
		},
		"serverInfo": map[string]any{"name": "airules", "version": Version},
	}
}

func (s *session) initializedNotification(ctx context.Context, _ *noParams) error {
	s.mu.Lock()
	select {
	case <-s.initialized:
		s.mu.Unlock()
		return nil // a second initialized: ignore
	default:
	}
	close(s.initialized)
	caps, cfg := s.caps, s.cfg
	s.mu.Unlock()
	// Calls to the client go from goroutines: from a handler they could deadlock.
	s.goSafe("progress", s.reportProgress)
	if caps.watchRegistration && cfg.clientWatch() {
		s.goSafe("register watchers", func() { s.registerWatchers(cfg) })
	}
	if caps.configurationPull {
		s.goSafe("pull configuration", s.pullConfiguration)
	}
	return nil
}

func (s *session) shutdown(ctx context.Context, _ *noParams) (any, error) {
	s.mu.Lock()
	s.state = stateShutdown
	s.mu.Unlock()
	s.logger().Info("shutdown")
	return nil, nil
}

// exitNotification ends the session: Run returns the code and the process exits with
// it (jsonrpc2 alone would keep reading after exit). conn.go calls it on the read
// loop, ahead of the queue.
func (s *session) exitNotification() {
	code := s.exitCodeNow()
	s.logger().Info("exit", zap.Int("code", code))
	select {
	case s.exit <- code:
	default:
	}
}

// userRulesDir resolves Options.UserRulesDir.
func (s *session) userRulesDir() string {
	switch s.opts.UserRulesDir {
	case "-":
		return ""
	case "":
		if d, err := os.UserConfigDir(); err == nil {
			return filepath.Join(d, "airules", "rules")
		}
		return ""
	}
	return s.opts.UserRulesDir
}
