package workflows

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"golang.org/x/net/idna"
)

// Shop states.
const (
	ShopPending  = "pending"
	ShopVerified = "verified"
	ShopRejected = "rejected"
)

// ShopMachine is the shop's workflow. A rejected shop may be checked again
// (back to pending) or confirmed by an admin (verified).
var ShopMachine = engine.Machine{
	Entity:  "shop",
	Initial: ShopPending,
	Transitions: map[string][]string{
		ShopPending:  {ShopVerified, ShopRejected},
		ShopRejected: {ShopPending, ShopVerified},
		// A verified shop is rejected when its owner's verification is
		// revoked by a dispute (docs/DISPUTES.md).
		ShopVerified: {ShopRejected},
	},
	Final: []string{ShopVerified, ShopRejected},
}

// Shop verification modes (SHOP_VERIFICATION).
const (
	// ShopModeFetch looks for the code in the shop's public page.
	ShopModeFetch = "fetch"
	// ShopModeManual leaves the ownership proof to an admin.
	ShopModeManual = "manual"
)

// ShopVerifyPayload names the shop and the check (revision) to run.
type ShopVerifyPayload struct {
	ShopID   string `json:"shop_id"`
	Revision int    `json:"revision"`
}

// NewShopVerifyTask checks revision of the shop shopID, no earlier than at
// (zero: now). An unreachable page is retried with backoff for about four
// minutes before the shop is rejected.
func NewShopVerifyTask(shopID string, revision int, at time.Time) engine.Task {
	return engine.Task{Type: TypeShopVerify, Payload: ShopVerifyPayload{ShopID: shopID, Revision: revision}, ProcessAt: at}
}

// NewVerificationCode returns a fresh, unguessable code (60 random bits) for
// a student to place in their shop's public description.
func NewVerificationCode() string {
	return "CB-" + rand.Text()[:12]
}

// errBadShopURL says that a shop URL is not the http(s) address of a public
// page (msg.ShopURLInvalid tells people).
var errBadShopURL = errors.New("not the http(s) address of a public page without user name or password")

// NormalizeShopURL checks raw and returns its key: two addresses of the same
// page have the same key. The key drops the scheme, the default port, the
// fragment and a trailing slash, writes the host in lower-case ASCII
// (internationalised names as punycode), writes the path's
// percent-encodings as RFC 3986 does (unreserved characters decoded, the
// rest in upper-case hex) and sorts the query.
func NormalizeShopURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil || u.Opaque != "" {
		return "", errBadShopURL
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return "", errBadShopURL
	}
	if !strings.Contains(host, ":") { // an IPv6 literal has no name to convert
		if host, err = idna.Lookup.ToASCII(host); err != nil || host == "" {
			return "", errBadShopURL
		}
	}
	if port := u.Port(); port != "" && port != map[string]string{"http": "80", "https": "443"}[u.Scheme] {
		host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	key := host + strings.TrimRight(canonicalEscapes(u.EscapedPath()), "/")
	if q := u.Query(); len(q) > 0 {
		key += "?" + q.Encode()
	}
	return key, nil
}

// canonicalEscapes rewrites an escaped path's percent-encodings the one way
// RFC 3986 (6.2.2) calls equivalent: an unreserved character (letters,
// digits, "-", ".", "_", "~") decoded, anything else in upper-case hex.
// url.URL.EscapedPath has already checked that every "%" starts a valid
// escape.
func canonicalEscapes(path string) string {
	if !strings.Contains(path, "%") {
		return path
	}
	var b strings.Builder
	for i := 0; i < len(path); i++ {
		if path[i] != '%' || i+2 >= len(path) {
			b.WriteByte(path[i])
			continue
		}
		c, err := strconv.ParseUint(path[i+1:i+3], 16, 8)
		switch {
		case err != nil:
			b.WriteByte(path[i])
			continue
		case isUnreserved(byte(c)):
			b.WriteByte(byte(c))
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
		i += 2
	}
	return b.String()
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// ShopCheck is what shop:verify knows before it looks for the code.
type ShopCheck struct {
	// OwnerVerified: the owner's student profile is verified.
	OwnerVerified bool
	// IDClaimed: another student's verified shop has the same platform id.
	IDClaimed bool
	// URLClaimed: another verified shop, the owner's own included, has the
	// same page (a page proves one shop).
	URLClaimed bool
}

// ShopEligibility returns why a shop cannot be verified, if anything stops it
// before the ownership proof.
func ShopEligibility(c ShopCheck) []models.Reason {
	var reasons []models.Reason
	if !c.OwnerVerified {
		reasons = append(reasons, NewReason("", msg.ShopStudentNotVerified))
	}
	if c.IDClaimed {
		reasons = append(reasons, NewReason("platform_shop_id", msg.ShopIDClaimed))
	}
	if c.URLClaimed {
		reasons = append(reasons, NewReason("shop_url", msg.ShopURLClaimed))
	}
	return reasons
}

// CodeMissingReason tells the student that their page at shopURL lacks the
// verification code.
func CodeMissingReason(code, shopURL string) models.Reason {
	return NewReason("shop_url", msg.ShopCodeNotFound, msg.Text("code", code), msg.Text("url", shopURL))
}

// PageProblemReason tells the student what was wrong with their page (it
// could not be reached, refused, or is not public): problem is one of the
// shop.page_* messages (shopcheck.Problem's, or msg.ShopPageUnreachable).
func PageProblemReason(problem msg.Message) models.Reason {
	return ReasonOf("shop_url", problem)
}
