// Package shopcheck fetches a shop's public page and looks for the
// verification code in it, safely: a short timeout, a size cap, a redirect
// cap, and no connections to loopback, private, link-local or other
// non-public addresses unless an allow-list names them. The address check
// runs in the dialer's Control function, on the IP actually being connected
// to, so a hostname that resolves (or re-resolves, DNS rebinding) to a
// private address is refused too.
package shopcheck

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/campusbiz/campusbiz/workflows/msg"
)

// Config sizes a Fetcher. Zero fields take their defaults.
type Config struct {
	// Timeout bounds one whole fetch: connect, redirects and body. Defaults to 10s.
	Timeout time.Duration
	// MaxBytes is how much of a page is read. Defaults to 1 MiB.
	MaxBytes int64
	// MaxRedirects is how many redirects are followed. Defaults to 5.
	MaxRedirects int
	// Allow names hosts (exact, case-insensitive) and networks that may be
	// fetched even though they are not public (SHOP_FETCH_ALLOW).
	Allow Allowlist
}

// Allowlist is the parsed SHOP_FETCH_ALLOW setting.
type Allowlist struct {
	Hosts    []string
	Prefixes []netip.Prefix
}

// ParseAllowlist reads comma-separated host names, IP addresses and CIDRs
// ("shops.internal, 10.1.0.0/16, 127.0.0.1").
func ParseAllowlist(raw string) (Allowlist, error) {
	var a Allowlist
	for item := range strings.SplitSeq(raw, ",") {
		item = strings.TrimSpace(item)
		switch {
		case item == "":
		case strings.Contains(item, "/"):
			p, err := netip.ParsePrefix(item)
			if err != nil {
				return Allowlist{}, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8", item)
			}
			a.Prefixes = append(a.Prefixes, p.Masked())
		default:
			if ip, err := netip.ParseAddr(item); err == nil {
				a.Prefixes = append(a.Prefixes, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
				continue
			}
			if strings.ContainsAny(item, " :@") {
				return Allowlist{}, fmt.Errorf("%q is not a host name, IP address or CIDR", item)
			}
			a.Hosts = append(a.Hosts, strings.ToLower(item))
		}
	}
	return a, nil
}

func (a Allowlist) allowsHost(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, h := range a.Hosts {
		if h == host {
			return true
		}
	}
	return false
}

func (a Allowlist) allowsAddr(ip netip.Addr) bool {
	for _, p := range a.Prefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// nonPublic lists special-purpose networks beyond what netip's predicates
// cover (RFC 6890 and successors): none of them hosts a public shop page.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and broadcast
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local NAT64
	netip.MustParsePrefix("100::/64"),        // discard
	netip.MustParsePrefix("2001::/23"),       // IETF protocol assignments, Teredo (2001::/32) among them
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("3fff::/20"),       // documentation
	netip.MustParsePrefix("5f00::/16"),       // segment routing
}

// Networks whose addresses carry an IPv4 address in known bits. A
// connection to one of them reaches (through a translator or a tunnel) the
// IPv4 address it carries, so that address must be public too.
var (
	nat64       = netip.MustParsePrefix("64:ff9b::/96")    // RFC 6052 well-known prefix: the last 32 bits
	ipv4Compat  = netip.MustParsePrefix("::/96")           // deprecated IPv4-compatible: the last 32 bits
	translated  = netip.MustParsePrefix("::ffff:0:0:0/96") // SIIT IPv4-translated: the last 32 bits
	sixToFour   = netip.MustParsePrefix("2002::/16")       // 6to4: bits 16 to 47
	isatapIID   = [...]byte{0x00, 0x00, 0x5e, 0xfe}        // ISATAP interface id (local scope): ::0:5efe:a.b.c.d
	isatapIIDul = [...]byte{0x02, 0x00, 0x5e, 0xfe}        // ISATAP interface id (universal scope)
)

// embeddedIPv4 is the IPv4 address an IPv6 address carries by one of the
// transition mechanisms (NAT64, IPv4-compatible, SIIT, 6to4, ISATAP).
func embeddedIPv4(ip netip.Addr) (netip.Addr, bool) {
	if !ip.Is6() {
		return netip.Addr{}, false
	}
	b := ip.As16()
	last := netip.AddrFrom4([4]byte(b[12:16]))
	switch {
	case nat64.Contains(ip), ipv4Compat.Contains(ip), translated.Contains(ip):
		return last, true
	case sixToFour.Contains(ip):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	case [4]byte(b[8:12]) == isatapIID || [4]byte(b[8:12]) == isatapIIDul:
		return last, true
	}
	return netip.Addr{}, false
}

// IsPublic reports whether ip is an ordinary public unicast address: not
// loopback, private, link-local, multicast, unspecified or special-purpose.
// IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry; an
// IPv6 address that embeds an IPv4 address by a transition mechanism
// (NAT64, 6to4, ISATAP, SIIT, IPv4-compatible) is public only when the IPv4
// address is too.
func IsPublic(ip netip.Addr) bool {
	ip = ip.Unmap()
	if v4, ok := embeddedIPv4(ip); ok && !IsPublic(v4) {
		return false
	}
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// Problem is a fetch that failed because of the page or its address: the
// student must fix something, and trying again will not help.
type Problem struct {
	// Msg says what is wrong, for the student (a shop.page_* message).
	Msg msg.Message
}

// Error is the message's code and params, for logs.
func (p *Problem) Error() string { return "shop page problem: " + p.Msg.String() }

func problem(code string, params ...msg.Param) *Problem {
	return &Problem{Msg: msg.New(code, params...)}
}

// ErrUnreachable wraps failures that may pass (network errors, timeouts,
// server errors): the check is worth retrying.
var ErrUnreachable = errors.New("shop page unreachable")

// errBlocked is returned by the dialer for a non-public address.
var errBlocked = errors.New("address is not public")

// Fetcher checks shop pages. It is safe for concurrent use.
type Fetcher struct {
	cfg    Config
	client *http.Client
}

// New returns a Fetcher with cfg (defaults filled in).
func New(cfg Config) *Fetcher {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = 1 << 20
	}
	if cfg.MaxRedirects <= 0 {
		cfg.MaxRedirects = 5
	}
	f := &Fetcher{cfg: cfg}
	transport := &http.Transport{
		Proxy:                  nil, // a proxy would connect for us, past the address check
		DialContext:            f.dial,
		TLSHandshakeTimeout:    5 * time.Second,
		ResponseHeaderTimeout:  cfg.Timeout,
		DisableKeepAlives:      true,
		MaxResponseHeaderBytes: 64 << 10,
	}
	f.client = &http.Client{
		Transport: transport,
		Timeout:   cfg.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > cfg.MaxRedirects {
				return problem(msg.ShopPageRedirects, msg.Int("max", int64(cfg.MaxRedirects)))
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return problem(msg.ShopPageRedirectNotHTTP)
			}
			return nil
		},
	}
	return f
}

// dial connects with the address check in the dialer's Control function,
// which sees each IP the connection is about to use.
func (f *Fetcher) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	hostAllowed := f.cfg.Allow.allowsHost(host)
	d := &net.Dialer{
		Timeout: 5 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%s: %w", address, errBlocked)
			}
			ip := ap.Addr().Unmap()
			if hostAllowed || f.cfg.Allow.allowsAddr(ip) || IsPublic(ip) {
				return nil
			}
			return fmt.Errorf("%s: %w", ip, errBlocked)
		},
	}
	return d.DialContext(ctx, network, addr)
}

// Check fetches pageURL and reports whether code appears in the first
// MaxBytes of the page (letter case ignored). A *Problem means the page or
// its address is wrong; an error wrapping ErrUnreachable may pass on retry.
func (f *Fetcher) Check(ctx context.Context, pageURL, code string) (bool, error) {
	u, err := url.Parse(pageURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return false, problem(msg.ShopPageNotHTTP)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return false, problem(msg.ShopPageNotHTTP)
	}
	req.Header.Set("User-Agent", "campusbiz-shopcheck/1 (+shop ownership check)")
	req.Header.Set("Accept", "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5")
	resp, err := f.client.Do(req)
	if err != nil {
		return false, classify(err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode >= 500, resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusRequestTimeout:
		return false, fmt.Errorf("the shop page answered %s: %w", resp.Status, ErrUnreachable)
	case resp.StatusCode >= 300:
		return false, problem(msg.ShopPageStatus, msg.Int("status", int64(resp.StatusCode)))
	}
	// A page that never ends stops at MaxBytes; one that trickles stops at
	// the timeout and counts as found if the code arrived before it.
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, f.cfg.MaxBytes))
	found := bytes.Contains(bytes.ToUpper(body), bytes.ToUpper([]byte(code)))
	if !found && readErr != nil {
		return false, classify(readErr)
	}
	return found, nil
}

// classify turns a transport error into a Problem (the address is refused,
// or redirects loop) or a retryable ErrUnreachable.
func classify(err error) error {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	if errors.Is(err, errBlocked) {
		return problem(msg.ShopPagePrivate)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		return problem(msg.ShopHostNotFound, msg.Text("host", dnsErr.Name))
	}
	return fmt.Errorf("%w: %w", ErrUnreachable, err)
}
