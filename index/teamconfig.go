package index

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/airules/airules/rules"
	yaml "go.yaml.in/yaml/v3"
)

// TeamConfig says where the team rules live. The zero value (no URL) means no team
// source.
type TeamConfig struct {
	// URL is one or more NATS server URLs, comma-separated ("nats://host:4222").
	URL string `json:"url,omitempty"`
	// Bucket is the KV bucket; default "airules-team".
	Bucket string `json:"bucket,omitempty"`
	// Creds is the path of a NATS .creds file (user JWT and seed) or of an nkey seed
	// file; which one is decided by its content.
	Creds string  `json:"creds,omitempty"`
	TLS   TeamTLS `json:"tls,omitzero"`
}

// TeamTLS are the paths of the PEM files for TLS: the CA to trust, and a client
// certificate with its key.
type TeamTLS struct {
	CA   string `json:"ca,omitempty"`
	Cert string `json:"cert,omitempty"`
	Key  string `json:"key,omitempty"`
}

// DefaultTeamBucket is the bucket a configuration without one uses.
const DefaultTeamBucket = "airules-team"

// Enabled reports whether a team source is configured.
func (c TeamConfig) Enabled() bool { return strings.TrimSpace(c.URL) != "" }

// BucketName is the bucket, or the default one.
func (c TeamConfig) BucketName() string {
	if c.Bucket == "" {
		return DefaultTeamBucket
	}
	return c.Bucket
}

// Merge returns c with the non-empty fields of o on top.
func (c TeamConfig) Merge(o TeamConfig) TeamConfig {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&c.URL, o.URL)
	set(&c.Bucket, o.Bucket)
	set(&c.Creds, o.Creds)
	set(&c.TLS.CA, o.TLS.CA)
	set(&c.TLS.Cert, o.TLS.Cert)
	set(&c.TLS.Key, o.TLS.Key)
	return c
}

// Redacted is the configuration as it may be logged or shown: a URL's password or
// token is replaced by "xxxxx".
func (c TeamConfig) Redacted() TeamConfig {
	c.URL = redactURLs(c.URL)
	return c
}

func redactURLs(list string) string {
	parts := strings.Split(list, ",")
	for i, p := range parts {
		u, err := url.Parse(strings.TrimSpace(p))
		if err != nil || u.User == nil {
			continue
		}
		u.User = url.User("xxxxx")
		parts[i] = u.String()
	}
	return strings.Join(parts, ",")
}

// teamConfigMax bounds the configuration files read for the team section: a config
// file is small, and a repository is untrusted input.
const teamConfigMax = 64 << 10

// TeamEnvURL is the environment variable whose value, when set, is the team URL.
const TeamEnvURL = "AIRULES_TEAM_URL"

// TeamConfigFiles are the files LoadTeamConfig reads, lowest precedence first: the
// user's ($XDG_CONFIG_HOME/airules/config.yaml) and the project's
// (<root>/<rulesDir>/config.yaml). userDir "" means os.UserConfigDir().
func TeamConfigFiles(root, rulesDir, userDir string) []string {
	if userDir == "" {
		if d, err := os.UserConfigDir(); err == nil {
			userDir = filepath.Join(d, "airules")
		}
	}
	if rulesDir == "" {
		rulesDir = rules.DefaultRulesDir
	}
	var out []string
	if userDir != "" {
		out = append(out, filepath.Join(userDir, "config.yaml"))
	}
	if root != "" {
		out = append(out, filepath.Join(root, rulesDir, "config.yaml"))
	}
	return out
}

// LoadTeamConfig reads the team: section of the user's and the project's config.yaml
// (the project's wins field by field), then AIRULES_TEAM_URL. It returns the problems
// of the project's file by its absolute path: a secret written inline there (a token or
// password in the URL, a token, password, nkey, seed or jwt key) is reported and not
// used; credentials belong in a .creds or seed file outside the repository. A missing
// file is no error; an unreadable or malformed one is a problem and is skipped.
func LoadTeamConfig(root, rulesDir, userDir string) (TeamConfig, map[string][]rules.Problem) {
	var c TeamConfig
	probs := map[string][]rules.Problem{}
	files := TeamConfigFiles(root, rulesDir, userDir)
	for i, f := range files {
		project := root != "" && i == len(files)-1
		fc, ps, err := readTeamSection(f, project)
		if err != nil {
			if !errors.Is(err, os.ErrNotExist) {
				ps = append(ps, rules.Problem{Code: CodeTeamConfig, Severity: rules.SeverityWarning,
					Message: fmt.Sprintf("team configuration ignored: %v", err)})
			}
		}
		if len(ps) > 0 {
			probs[f] = ps
		}
		c = c.Merge(fc)
	}
	if v := strings.TrimSpace(os.Getenv(TeamEnvURL)); v != "" {
		c.URL = v
	}
	return c, probs
}

// readTeamSection reads the team: mapping of one config.yaml. Relative paths in it are
// resolved against the file's folder.
func readTeamSection(path string, project bool) (TeamConfig, []rules.Problem, error) {
	data, err := readSmallRegular(path, teamConfigMax)
	if err != nil {
		return TeamConfig{}, nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return TeamConfig{}, nil, fmt.Errorf("parse %s: %w", path, err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return TeamConfig{}, nil, nil
	}
	top := doc.Content[0]
	var team *yaml.Node
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value == "team" {
			team = top.Content[i+1]
		}
	}
	if team == nil {
		return TeamConfig{}, nil, nil
	}
	if team.Kind != yaml.MappingNode {
		return TeamConfig{}, []rules.Problem{configProblem(CodeTeamConfig, team, "team must be a mapping (url, bucket, creds, tls)")}, nil
	}
	dir := filepath.Dir(path)
	var c TeamConfig
	var probs []rules.Problem
	secret := func(n *yaml.Node, what string) {
		probs = append(probs, configProblem(CodeTeamSecret, n,
			what+" written in a repository file is not used: put credentials in a .creds or nkey seed file outside the repository and name it in creds (user config: $XDG_CONFIG_HOME/airules/config.yaml)"))
	}
	for i := 0; i+1 < len(team.Content); i += 2 {
		k, v := team.Content[i], team.Content[i+1]
		str := func() string {
			if v.Kind != yaml.ScalarNode {
				probs = append(probs, configProblem(CodeTeamConfig, v, "team."+k.Value+" must be a string"))
				return ""
			}
			return v.Value
		}
		switch k.Value {
		case "url":
			u := str()
			if stripped, had := stripUserinfo(u); had {
				if project {
					secret(v, "a user, password or token in the URL")
					u = stripped
				}
			}
			c.URL = u
		case "bucket":
			c.Bucket = str()
		case "creds":
			p := str()
			if looksInlineSecret(p) {
				secret(v, "an inline credential")
				continue
			}
			c.Creds = resolveConfigPath(dir, p)
		case "tls":
			if v.Kind != yaml.MappingNode {
				probs = append(probs, configProblem(CodeTeamConfig, v, "team.tls must be a mapping (ca, cert, key)"))
				continue
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				tk, tv := v.Content[j], v.Content[j+1]
				if tv.Kind != yaml.ScalarNode {
					probs = append(probs, configProblem(CodeTeamConfig, tv, "team.tls."+tk.Value+" must be a string"))
					continue
				}
				if looksInlineSecret(tv.Value) {
					secret(tv, "an inline key or certificate")
					continue
				}
				switch tk.Value {
				case "ca":
					c.TLS.CA = resolveConfigPath(dir, tv.Value)
				case "cert":
					c.TLS.Cert = resolveConfigPath(dir, tv.Value)
				case "key":
					c.TLS.Key = resolveConfigPath(dir, tv.Value)
				default:
					probs = append(probs, configProblem(CodeTeamConfig, tk, "unknown key team.tls."+tk.Value+" (ca, cert, key)"))
				}
			}
		case "token", "password", "pass", "user", "username", "nkey", "seed", "jwt":
			if project {
				secret(v, "team."+k.Value)
			} else {
				probs = append(probs, configProblem(CodeTeamConfig, k, "team."+k.Value+" is not read: name a .creds or nkey seed file in creds"))
			}
		default:
			probs = append(probs, configProblem(CodeTeamConfig, k, "unknown key team."+k.Value+" (url, bucket, creds, tls)"))
		}
	}
	return c, probs, nil
}

func configProblem(code rules.Code, n *yaml.Node, msg string) rules.Problem {
	line, col := max(n.Line-1, 0), max(n.Column-1, 0)
	width := len(n.Value)
	if width == 0 {
		width = 1
	}
	sev := rules.SeverityWarning
	if code == CodeTeamSecret {
		sev = rules.SeverityError
	}
	return rules.Problem{Code: code, Severity: sev, Message: msg, Range: rules.Range{
		Start: rules.Position{Line: line, Column: col}, End: rules.Position{Line: line, Column: col + width}}}
}

// stripUserinfo removes user, password or token from each URL of a list.
func stripUserinfo(list string) (string, bool) {
	had := false
	parts := strings.Split(list, ",")
	for i, p := range parts {
		u, err := url.Parse(strings.TrimSpace(p))
		if err != nil || u.User == nil {
			continue
		}
		had = true
		u.User = nil
		parts[i] = u.String()
	}
	return strings.Join(parts, ","), had
}

// looksInlineSecret reports whether a value that should be a path is the secret itself:
// a PEM or creds block, or an nkey seed (58 base32 characters starting with S).
func looksInlineSecret(v string) bool {
	v = strings.TrimSpace(v)
	if strings.Contains(v, "-----BEGIN") || strings.Contains(v, "\n") {
		return true
	}
	if len(v) == 58 && v[0] == 'S' && strings.ToUpper(v) == v && !strings.ContainsAny(v, "/\\.") {
		return true
	}
	return strings.HasPrefix(v, "eyJ") && strings.Count(v, ".") == 2 // a JWT
}

func resolveConfigPath(dir, p string) string {
	if p == "" {
		return ""
	}
	if strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[2:])
		}
	}
	if !filepath.IsAbs(p) {
		return filepath.Join(dir, p)
	}
	return p
}

// readSmallRegular reads a regular file of at most limit bytes; anything else (a
// folder, a device, a FIFO, a larger file) is an error, never a hang. It opens without
// blocking (a FIFO swapped in after a stat cannot hold the open) and checks the open
// file itself.
func readSmallRegular(path string, limit int64) ([]byte, error) {
	if st, err := os.Stat(path); err != nil {
		return nil, err
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, io.LimitReader(f, limit+1)); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(buf.Len()) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return buf.Bytes(), nil
}
