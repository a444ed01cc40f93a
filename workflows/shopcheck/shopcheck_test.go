package shopcheck_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/campusbiz/campusbiz/workflows/shopcheck"
	"github.com/stretchr/testify/require"
)

const code = "CB-ABCDEFGHJKMN"

// loopback allows the test servers, which listen on 127.0.0.1.
func loopback(t *testing.T, cfg shopcheck.Config) *shopcheck.Fetcher {
	t.Helper()
	allow, err := shopcheck.ParseAllowlist("127.0.0.0/8")
	require.NoError(t, err)
	cfg.Allow = allow
	return shopcheck.New(cfg)
}

func page(body string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, body)
	}))
}

func requireProblem(t *testing.T, err error, want msg.Message) {
	t.Helper()
	var p *shopcheck.Problem
	require.ErrorAs(t, err, &p)
	require.Equal(t, want, p.Msg)
	require.NotErrorIs(t, err, shopcheck.ErrUnreachable)
}

func TestIsPublic(t *testing.T) {
	t.Parallel()
	for addr, public := range map[string]bool{
		"8.8.8.8": true, "114.114.114.114": true, "2606:4700:4700::1111": true,
		"127.0.0.1": false, "127.255.0.9": false, "::1": false,
		"10.0.0.1": false, "172.16.5.4": false, "172.31.255.255": false, "192.168.1.1": false, "fc00::1": false, "fd12::1": false,
		"169.254.169.254": false, "fe80::1": false, // link-local, cloud metadata
		"0.0.0.0": false, "::": false, "0.1.2.3": false, "100.64.0.1": false, "224.0.0.1": false, "ff02::1": false,
		"255.255.255.255": false, "198.18.0.1": false, "192.0.2.1": false,
		"::ffff:127.0.0.1": false, "::ffff:10.0.0.1": false, "::ffff:8.8.8.8": true, // IPv4-mapped
		"64:ff9b::808:808": true, "2002:808:808::1": true, "2001:4860:4860::8888": true,
		"2001:0:4136:e378:8000:63bf:3fff:fdd2": false, // Teredo
	} {
		require.Equal(t, public, shopcheck.IsPublic(netip.MustParseAddr(addr)), addr)
	}
}

func TestParseAllowlist(t *testing.T) {
	t.Parallel()
	a, err := shopcheck.ParseAllowlist(" shops.internal , 10.1.0.0/16,127.0.0.1,, ::1 ")
	require.NoError(t, err)
	require.Equal(t, []string{"shops.internal"}, a.Hosts)
	require.Equal(t, []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16"), netip.MustParsePrefix("127.0.0.1/32"),
		netip.MustParsePrefix("::1/128")}, a.Prefixes)
	empty, err := shopcheck.ParseAllowlist("")
	require.NoError(t, err)
	require.Empty(t, empty.Hosts)
	for _, bad := range []string{"10.0.0.0/33", "a b", "user@host", "host:80"} {
		_, err := shopcheck.ParseAllowlist(bad)
		require.Error(t, err, bad)
	}
}

func TestFindsTheCode(t *testing.T) {
	t.Parallel()
	srv := page("<html><p>店铺简介：欢迎光临！ verification: " + strings.ToLower(code) + "</p></html>")
	defer srv.Close()
	found, err := loopback(t, shopcheck.Config{}).Check(context.Background(), srv.URL, code)
	require.NoError(t, err)
	require.True(t, found, "letter case is ignored")

	other := page("<html><p>no code here, only CB-OTHERCODE123</p></html>")
	defer other.Close()
	found, err = loopback(t, shopcheck.Config{}).Check(context.Background(), other.URL, code)
	require.NoError(t, err)
	require.False(t, found)
}

func TestRefusesPrivateAddresses(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, code)
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	f := shopcheck.New(shopcheck.Config{}) // no allow-list
	for _, u := range []string{
		srv.URL,                          // 127.0.0.1
		"http://localhost:" + port + "/", // a name that resolves to loopback: checked at connect time
		"http://[::ffff:127.0.0.1]:" + port + "/", // IPv4-mapped IPv6
		"http://169.254.169.254/latest/meta-data", // link-local (cloud metadata)
		"http://10.0.0.1:" + port + "/",           // private
		"http://0.0.0.0:" + port + "/",
	} {
		found, err := f.Check(context.Background(), u, code)
		require.False(t, found, u)
		requireProblem(t, err, msg.New(msg.ShopPagePrivate))
	}
	require.Zero(t, hits.Load(), "no request reached the server")

	t.Run("an allow-listed host name is fetched", func(t *testing.T) {
		allow, err := shopcheck.ParseAllowlist("localhost")
		require.NoError(t, err)
		found, err := shopcheck.New(shopcheck.Config{Allow: allow}).Check(context.Background(), "http://localhost:"+port+"/", code)
		require.NoError(t, err)
		require.True(t, found)
	})
	t.Run("a redirect to a private address is refused", func(t *testing.T) {
		redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://[::1]:"+port+"/", http.StatusFound)
		}))
		defer redirect.Close()
		allow, err := shopcheck.ParseAllowlist("127.0.0.1") // not ::1
		require.NoError(t, err)
		_, err = shopcheck.New(shopcheck.Config{Allow: allow}).Check(context.Background(), redirect.URL, code)
		requireProblem(t, err, msg.New(msg.ShopPagePrivate))
	})
}

func TestSurvivesAPageThatNeverEnds(t *testing.T) {
	t.Parallel()
	endless := func(prefix string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, prefix)
			chunk := []byte(strings.Repeat("商品 ", 1024))
			for r.Context().Err() == nil {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}))
	}
	without, with := endless("<html>"), endless("<html>"+code)
	defer without.Close()
	defer with.Close()
	f := loopback(t, shopcheck.Config{MaxBytes: 256 << 10, Timeout: 5 * time.Second})
	start := time.Now()
	found, err := f.Check(context.Background(), without.URL, code)
	require.NoError(t, err)
	require.False(t, found)
	found, err = f.Check(context.Background(), with.URL, code)
	require.NoError(t, err)
	require.True(t, found)
	require.Less(t, time.Since(start), 4*time.Second, "the size cap, not the timeout, ended the reads")

	t.Run("a page that trickles forever ends at the timeout", func(t *testing.T) {
		trickle := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for r.Context().Err() == nil {
				fmt.Fprint(w, ".")
				w.(http.Flusher).Flush()
				time.Sleep(20 * time.Millisecond)
			}
		}))
		defer trickle.Close()
		start := time.Now()
		_, err := loopback(t, shopcheck.Config{Timeout: 500 * time.Millisecond}).Check(context.Background(), trickle.URL, code)
		require.ErrorIs(t, err, shopcheck.ErrUnreachable, "worth retrying")
		require.Less(t, time.Since(start), 3*time.Second)
	})
}

func TestSurvivesRedirectsForever(t *testing.T) {
	t.Parallel()
	var hops atomic.Int32
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, fmt.Sprintf("%s/hop/%d", srv.URL, hops.Add(1)), http.StatusFound)
	}))
	defer srv.Close()
	_, err := loopback(t, shopcheck.Config{MaxRedirects: 3}).Check(context.Background(), srv.URL, code)
	requireProblem(t, err, msg.New(msg.ShopPageRedirects, msg.Int("max", 3)))
	require.Equal(t, int32(4), hops.Load(), "the first request and three redirects")

	t.Run("a few redirects are followed", func(t *testing.T) {
		target := page(code)
		defer target.Close()
		hop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.URL+"/shop", http.StatusMovedPermanently)
		}))
		defer hop.Close()
		found, err := loopback(t, shopcheck.Config{}).Check(context.Background(), hop.URL, code)
		require.NoError(t, err)
		require.True(t, found)
	})
}

func TestClassifiesFailures(t *testing.T) {
	t.Parallel()
	status := func(code int) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) }))
	}
	f := loopback(t, shopcheck.Config{Timeout: 2 * time.Second})
	for c, transient := range map[int]bool{
		http.StatusNotFound: false, http.StatusForbidden: false, http.StatusGone: false,
		http.StatusInternalServerError: true, http.StatusBadGateway: true, http.StatusServiceUnavailable: true,
		http.StatusTooManyRequests: true,
	} {
		srv := status(c)
		_, err := f.Check(context.Background(), srv.URL, code)
		srv.Close()
		require.Equal(t, transient, errors.Is(err, shopcheck.ErrUnreachable), "status %d: %v", c, err)
		if !transient {
			requireProblem(t, err, msg.New(msg.ShopPageStatus, msg.Int("status", int64(c))))
		}
	}

	closed := httptest.NewServer(http.NotFoundHandler())
	addr := closed.URL
	closed.Close()
	_, err := f.Check(context.Background(), addr, code)
	require.ErrorIs(t, err, shopcheck.ErrUnreachable, "a refused connection may pass")

	for _, bad := range []string{"ftp://example.com/", "not a url", "http://"} {
		_, err := f.Check(context.Background(), bad, code)
		requireProblem(t, err, msg.New(msg.ShopPageNotHTTP))
	}
}

// TestIsPublicJudgesEmbeddedIPv4 embeds each non-public IPv4 address in
// every IPv6 form that carries one: none of them may pass.
func TestIsPublicJudgesEmbeddedIPv4(t *testing.T) {
	t.Parallel()
	for _, v4 := range []string{"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.0.1", "169.254.169.254", "0.0.0.0",
		"100.64.0.1", "224.0.0.1", "255.255.255.255"} {
		for _, form := range embeddings(netip.MustParseAddr(v4)) {
			require.False(t, shopcheck.IsPublic(form), "%s carries %s", form, v4)
		}
	}
	for _, form := range embeddings(netip.MustParseAddr("8.8.8.8"))[:2] { // NAT64 and 6to4 to a public address
		require.True(t, shopcheck.IsPublic(form), form.String())
	}
}

// embeddings is v4 inside NAT64, 6to4, ISATAP (both scopes),
// IPv4-compatible and SIIT IPv6 addresses.
func embeddings(v4 netip.Addr) []netip.Addr {
	b := v4.As4()
	forms := [][16]byte{
		{0x00, 0x64, 0xff, 0x9b, 12: b[0], b[1], b[2], b[3]},
		{0x20, 0x02, b[0], b[1], b[2], b[3], 15: 1},
		{0x24, 0x08, 8: 0x00, 0x00, 0x5e, 0xfe, b[0], b[1], b[2], b[3]},
		{0x24, 0x08, 8: 0x02, 0x00, 0x5e, 0xfe, b[0], b[1], b[2], b[3]},
		{12: b[0], b[1], b[2], b[3]},
		{8: 0xff, 0xff, 0, 0, b[0], b[1], b[2], b[3]},
	}
	out := make([]netip.Addr, len(forms))
	for i, f := range forms {
		out[i] = netip.AddrFrom16(f)
	}
	return out
}

// FuzzIsPublicEmbedded checks the embedding rule for any IPv4 address.
func FuzzIsPublicEmbedded(f *testing.F) {
	f.Add([]byte{127, 0, 0, 1})
	f.Add([]byte{8, 8, 8, 8})
	f.Add([]byte{10, 0, 0, 1})
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) != 4 {
			return
		}
		v4 := netip.AddrFrom4([4]byte(raw))
		if shopcheck.IsPublic(v4) {
			return
		}
		for _, form := range embeddings(v4) {
			if shopcheck.IsPublic(form) {
				t.Fatalf("%s carries non-public %s and passes", form, v4)
			}
		}
	})
}
