package api

import (
	"crypto/rand"
	"crypto/subtle"
	"net/http"
	"net/url"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/labstack/echo/v4"
)

// scraperOrAdmin admits a Prometheus scraper that sends the configured
// METRICS_TOKEN as its bearer token, and otherwise only a signed-in admin:
// the metrics name routes, queues and volumes, which are not public.
func (s *server) scraperOrAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	admin := s.authenticate(only(models.RoleAdmin)(next))
	return func(c echo.Context) error {
		if tok := bearer(c.Request()); s.cfg.MetricsToken != "" &&
			subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.MetricsToken)) == 1 {
			return next(c)
		}
		return admin(c)
	}
}

// sameOrigin refuses a request that changes something (any method but GET,
// HEAD and OPTIONS) unless the browser says it comes from this site: its
// Sec-Fetch-Site is same-origin, or, from browsers that do not send it, its
// Origin names this host. Asynqmon's pages send their writes with the
// admin's session cookie, so without this guard SameSite would be the only
// defence against a cross-site form or fetch. Clients that are not browsers
// (a bearer token and neither header) pass: they carry no ambient cookie.
func sameOrigin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		site, origin := r.Header.Get("Sec-Fetch-Site"), r.Header.Get("Origin")
		switch {
		case site == "same-origin":
			return next(c)
		case site != "":
			return newError(http.StatusForbidden, msg.ErrorCrossSite)
		case origin != "":
			if u, err := url.Parse(origin); err != nil || u.Host != r.Host {
				return newError(http.StatusForbidden, msg.ErrorCrossSite)
			}
			return next(c)
		case bearer(r) == "":
			// A cookie-carrying request with neither header is from no
			// browser that can be trusted to have sent it on purpose.
			return newError(http.StatusForbidden, msg.ErrorCrossSite)
		}
		return next(c)
	}
}

// maxRequestIDLen bounds an X-Request-Id taken from the client.
const maxRequestIDLen = 64

// newRequestID is a fresh request id: 128 random bits as 26 base32 letters.
func newRequestID() string { return rand.Text() }

// keepRequestID replaces a client's X-Request-Id that is not a plain token
// (1 to 64 letters, digits, '-', '_', '.' or ':') with a fresh one, before
// it is echoed in the response and written to the logs: a proxy's id is
// kept, anything that could forge log lines or bloat them is not.
func keepRequestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if id := c.Response().Header().Get(echo.HeaderXRequestID); !validRequestID(id) {
			id = newRequestID()
			c.Request().Header.Set(echo.HeaderXRequestID, id)
			c.Response().Header().Set(echo.HeaderXRequestID, id)
		}
		return next(c)
	}
}

// validRequestID reports whether id is a plain token a log may carry.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch b := id[i]; {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9', b == '-', b == '_', b == '.', b == ':':
		default:
			return false
		}
	}
	return true
}
