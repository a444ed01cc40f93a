// Package web is campusbiz's server-rendered pages for applicants,
// reviewers and admins: Go templates and a small stylesheet embedded in the
// binary, in Chinese and English, on cookie sessions with CSRF-protected
// forms. It is a thin adapter over the application layer (package app),
// the JSON API's sibling: each page decodes its form into a use case's
// input, calls the use case and renders its result or its problem in the
// page's language. It never touches the database and never imports the
// API (package api).
package web

import (
	"context"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/i18n"
	"github.com/campusbiz/campusbiz/internal/mailsink"
	"github.com/campusbiz/campusbiz/models"
	"github.com/labstack/echo/v4"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Deps are the pages' collaborators.
type Deps struct {
	// App runs every use case.
	App *app.App
	Log *slog.Logger
	// Config are the pages' own settings.
	Config Config
	// DevMailbox, set only by `campusbiz dev` without SMTP_URL, is the
	// mailbox every e-mail goes to; the page /dev/mailbox shows it. Nil
	// (always in production): no such page.
	DevMailbox Mailbox
}

// Mailbox is a development mailbox: the e-mails it received.
type Mailbox interface {
	Messages() []mailsink.Message
}

// Config holds the pages' own settings.
type Config struct {
	// CSRFKey signs the forms' CSRF tokens. Every serve process behind one
	// address needs the same key; empty: one derived from the session key
	// kept in the database, which they all share.
	CSRFKey []byte
	// MonitoringURL is where the admin page links to Asynqmon. Defaults to
	// /monitoring/.
	MonitoringURL string
	// SecureCookies marks the session, language and CSRF cookies Secure
	// (set when served over https).
	SecureCookies bool
	// Zone is where pages show times (the TIME_ZONE setting); nil:
	// Asia/Shanghai.
	Zone *time.Location
}

// site holds what the page handlers share.
type site struct {
	app   *app.App
	log   *slog.Logger
	pages map[string]*template.Template
	csrf  []byte
	cfg   Config
	// imports are the course-results imports running in this process.
	imports imports
	// mailbox is dev's mailbox (nil: no /dev/mailbox page).
	mailbox Mailbox
}

// Mount registers the pages on e, the Echo app that also serves the JSON
// API (api.New).
func Mount(e *echo.Echo, d Deps) error {
	cfg := d.Config
	if cfg.Zone == nil {
		cfg.Zone = i18n.DefaultZone()
	}
	pages, err := parseTemplates()
	if err != nil {
		return err
	}
	if len(cfg.CSRFKey) == 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if cfg.CSRFKey, err = d.App.Sessions().DeriveKey(ctx, "csrf"); err != nil {
			return fmt.Errorf("csrf key: %w", err)
		}
	}
	if cfg.MonitoringURL == "" {
		cfg.MonitoringURL = "/monitoring/"
	}
	s := &site{app: d.App, log: d.Log, pages: pages, csrf: cfg.CSRFKey, cfg: cfg, mailbox: d.DevMailbox}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return fmt.Errorf("static files: %w", err)
	}
	s.routes(e, http.FileServer(http.FS(static)))
	s.htmlErrors(e)
	return nil
}

// routes registers every page with its access rule.
func (s *site) routes(e *echo.Echo, static http.Handler) {
	g := e.Group("", s.language, s.session, s.rememberLanguage)
	applicant := []echo.MiddlewareFunc{s.signedIn, s.only(models.RoleApplicant)}
	reviewer := []echo.MiddlewareFunc{s.signedIn, s.only(models.RoleReviewer)}
	admin := []echo.MiddlewareFunc{s.signedIn, s.only(models.RoleAdmin)}

	e.GET("/static/*", echo.WrapHandler(http.StripPrefix("/static/", cacheStatic(static))))
	g.GET("/", s.home)
	g.GET("/register", s.registerForm)
	g.POST("/register", s.register, s.checkCSRF)
	g.GET("/login", s.loginForm)
	g.POST("/login", s.login, s.checkCSRF)
	g.POST("/logout", s.logout, s.signedIn, s.checkCSRF)

	g.GET("/dashboard", s.dashboard, s.signedIn)
	g.GET("/onboarding", s.onboardingForm, applicant...)
	g.POST("/onboarding", s.submitOnboarding, append(applicant, s.checkCSRF, s.limitSubmissions)...)
	g.POST("/onboarding/email-code", s.confirmEmailCode, append(applicant, s.checkCSRF, s.limitSubmissions)...)
	g.POST("/onboarding/email-code/resend", s.resendEmailCode, append(applicant, s.checkCSRF, s.limitSubmissions)...)
	g.POST("/onboarding/dispute", s.fileDispute, append(applicant, s.checkCSRF, s.limitSubmissions)...)
	if s.mailbox != nil {
		g.GET("/dev/mailbox", s.devMailbox)
	}

	g.GET("/shops", s.shopsForm, applicant...)
	g.POST("/shops", s.submitShop, append(applicant, s.checkCSRF, s.limitSubmissions)...)
	g.POST("/shops/:id/recheck", s.recheckShop, append(applicant, s.checkCSRF, s.limitSubmissions)...)
	g.GET("/fund", s.fundForm, applicant...)
	g.POST("/fund", s.submitFund, append(applicant, s.checkCSRF, s.limitSubmissions)...)
	g.POST("/fund/:id/withdraw", s.withdrawFund, append(applicant, s.checkCSRF, s.limitSubmissions)...)
	g.GET("/courses", s.courses, applicant...)
	g.POST("/courses/:id/enroll", s.enroll, append(applicant, s.checkCSRF, s.limitSubmissions)...)
	g.GET("/internships", s.rankingForm, applicant...)
	g.POST("/internships", s.submitRanking, append(applicant, s.checkCSRF, s.limitSubmissions)...)
	g.POST("/internships/:id/accept", s.acceptOffer, append(applicant, s.checkCSRF, s.limitSubmissions)...)
	g.POST("/internships/:id/decline", s.declineOffer, append(applicant, s.checkCSRF, s.limitSubmissions)...)

	g.GET("/reviews", s.reviewQueue, reviewer...)
	g.GET("/reviews/:id", s.reviewForm, reviewer...)
	g.POST("/reviews/:id", s.submitReview, append(reviewer, s.checkCSRF, s.limitSubmissions)...)
	g.POST("/reviews/:id/conflict", s.declareConflict, append(reviewer, s.checkCSRF, s.limitSubmissions)...)

	g.GET("/admin", s.adminHome, admin...)
	g.POST("/admin/accounts", s.createAccount, append(admin, s.checkCSRF, s.limitSubmissions)...)
	g.GET("/admin/fund", s.adminFund, admin...)
	g.GET("/admin/fund/programs/:id/ranking", s.programRanking, admin...)
	g.POST("/admin/fund/programs/:id/rubric", s.setRubric, append(admin, s.checkCSRF, s.limitSubmissions)...)
	g.POST("/admin/fund/programs", s.createProgram, append(admin, s.checkCSRF, s.limitSubmissions)...)
	g.GET("/admin/training", s.adminTraining, admin...)
	g.POST("/admin/courses", s.createCourse, append(admin, s.checkCSRF, s.limitSubmissions)...)
	g.POST("/admin/enrollments/:id/result", s.recordResult, append(admin, s.checkCSRF, s.limitSubmissions)...)
	g.POST("/admin/certificates/revoke", s.revokeCertificate, append(admin, s.checkCSRF, s.limitSubmissions)...)
	g.GET("/admin/shops", s.adminShops, admin...)
	g.POST("/admin/shops/:id/confirm", s.confirmShop, append(admin, s.checkCSRF, s.limitSubmissions)...)
	g.GET("/admin/internships", s.adminInternships, admin...)
	g.POST("/admin/places", s.createPlace, append(admin, s.checkCSRF, s.limitSubmissions)...)
	g.POST("/admin/places/:id", s.changePlace, append(admin, s.checkCSRF, s.limitSubmissions)...)
	g.POST("/admin/rounds", s.startRound, append(admin, s.checkCSRF, s.limitSubmissions)...)
	g.GET("/admin/lists/:kind", s.adminList, admin...)
	g.POST("/admin/shops/bulk", s.bulkShops, append(admin, s.checkCSRF, s.limitSubmissions)...)
	g.GET("/admin/exports/:file", s.adminExport, admin...)
	g.GET("/admin/audit", s.adminAudit, admin...)
	g.GET("/admin/disputes", s.adminDisputes, admin...)
	g.GET("/admin/disputes/:id", s.adminDispute, admin...)
	g.POST("/admin/disputes/:id/decide", s.decideDispute, append(admin, s.checkCSRF, s.limitSubmissions)...)
	g.GET("/admin/import", s.importPage, admin...)
	g.GET("/admin/import/:id", s.importProgress, admin...)
	g.POST("/admin/import", s.importResults, append(admin, s.checkCSRF, s.limitSubmissions)...)

	g.GET("/status", s.status, applicant...)
	g.GET("/notifications", s.notifications, s.signedIn)
	g.POST("/notifications/read", s.readAllNotifications, s.signedIn, s.checkCSRF)
	g.POST("/notifications/:id/read", s.readNotification, s.signedIn, s.checkCSRF)

	g.GET("/verify", s.verifyLookup)
	g.GET("/verify/:serial", s.verify)
}

func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}
