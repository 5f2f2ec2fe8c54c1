package index

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// testPKI is a CA and two certificates it signed, for 127.0.0.1 and for a client.
type testPKI struct {
	dir           string
	caPool        *x509.CertPool
	server        tls.Certificate
	ca, cert, key string // client-side PEM files
	otherCA       string // a CA that signed nothing here
}

func newPKI(t *testing.T) testPKI {
	t.Helper()
	dir := t.TempDir()
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	writePEM := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	mkCA := func(name string) (*x509.Certificate, *ecdsa.PrivateKey, []byte) {
		k := newKey()
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
			KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := x509.ParseCertificate(der)
		return c, k, der
	}
	ca, caKey, caDER := mkCA("airules test CA")
	_, _, otherDER := mkCA("another CA")
	leaf := func(serial int64, usage x509.ExtKeyUsage, ips []net.IP) ([]byte, *ecdsa.PrivateKey) {
		k := newKey()
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "leaf"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: ips}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, k
	}
	srvDER, srvKey := leaf(2, x509.ExtKeyUsageServerAuth, []net.IP{net.ParseIP("127.0.0.1")})
	cliDER, cliKey := leaf(3, x509.ExtKeyUsageClientAuth, nil)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	srvKeyDER, _ := x509.MarshalECPrivateKey(srvKey)
	cliKeyDER, _ := x509.MarshalECPrivateKey(cliKey)
	srv, err := tls.X509KeyPair(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srvDER}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: srvKeyDER}))
	if err != nil {
		t.Fatal(err)
	}
	return testPKI{dir: dir, caPool: pool, server: srv,
		ca: writePEM("ca.pem", "CERTIFICATE", caDER), otherCA: writePEM("other.pem", "CERTIFICATE", otherDER),
		cert: writePEM("client.pem", "CERTIFICATE", cliDER), key: writePEM("client-key.pem", "EC PRIVATE KEY", cliKeyDER)}
}

func TestTeamOverMutualTLS(t *testing.T) {
	pki := newPKI(t)
	ns := startNATS(t, func(o *server.Options) {
		o.TLS, o.TLSVerify = true, true
		o.TLSTimeout = 2
		o.TLSConfig = &tls.Config{Certificates: []tls.Certificate{pki.server}, ClientCAs: pki.caPool,
			ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12}
	})
	kv := createBucket(t, ns.url(), jetstream.KeyValueConfig{},
		nats.RootCAs(pki.ca), nats.ClientCert(pki.cert, pki.key))
	kv.put(t, "00-global/security", teamRule("security"))

	root, db := teamWorkspace(t)
	good := TeamConfig{URL: ns.url(), TLS: TeamTLS{CA: pki.ca, Cert: pki.cert, Key: pki.key}}
	ix := openTeam(t, root, db, "", func(o *Options) { o.Team = good })
	eventually(t, "the rule over TLS", func() bool { return slices.Equal(teamIDs(ix), []string{"00-global/security"}) })
	ix.Close()

	// A server certificate from a CA the client does not trust, or no client
	// certificate: never live, a status, local rules unaffected.
	for _, cfg := range []TeamConfig{
		{URL: ns.url(), TLS: TeamTLS{CA: pki.otherCA, Cert: pki.cert, Key: pki.key}},
		{URL: ns.url(), TLS: TeamTLS{CA: pki.ca}},
	} {
		root, db := teamWorkspace(t)
		ix := openTeam(t, root, db, "", func(o *Options) { o.Team = cfg })
		eventually(t, "a failed state", func() bool {
			st := ix.TeamStatus().State
			return st != TeamConnecting && st != TeamLive
		})
		if st := ix.TeamStatus(); st.State == TeamLive || st.Error == "" {
			t.Fatalf("bad TLS: %+v", st)
		}
		localRuleThere(t, ix)
		ix.Close()
	}
}
