package web

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/i18n"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/labstack/echo/v4"
)

// view is what every template gets.
type view struct {
	Lang    string
	Title   string
	Account *models.Account
	CSRF    string
	// Path is the page's path, for the language switch.
	Path string
	// Notice is a message shown at the top of the page.
	Notice string
	// Fields are the messages shown beside form fields, by field name.
	Fields map[string]string
	// Form refills a form that was sent back.
	Form url.Values
	// Monitoring links admins to Asynqmon.
	Monitoring string
	// Zone is where the page's times are shown (the TIME_ZONE setting).
	Zone *time.Location
	// Unread counts the signed-in person's unread notifications.
	Unread int64
	// RequestID is shown on the page of a server error, for support.
	RequestID string
	// Live is the version of the applicant's workflows the page shows, for
	// the live status script ("": the page does not update itself).
	Live string
	Data any
}

// printer renders messages in the page's language and zone.
func (v view) printer() i18n.Printer { return i18n.NewPrinter(i18n.Lang(v.Lang), v.Zone) }

// T is key from the catalog in the page's language.
func (v view) T(key string) string { return text(v.Lang, key) }

// Val is the value the form had for name.
func (v view) Val(name string) string { return v.Form.Get(name) }

// Err is the message beside the field name.
func (v view) Err(name string) string { return v.Fields[name] }

// Say is the message m in the page's language.
func (v view) Say(m msg.Message) string { return v.printer().Render(m) }

// When shows t in the page's language and TIME_ZONE ("2026-12-07 08:11
// UTC+08:00", "2026年12月7日 08:11（北京时间）").
func (v view) When(t time.Time) string { return v.printer().Time(t) }

// Reason is a stored reason in the page's language.
func (v view) Reason(r models.Reason) string { return v.printer().Reason(r) }

// Factor says what a factor of the automatic score counted, in the page's
// language (its name for factors scored before codes).
func (v view) Factor(f models.ScoreFactor) string {
	if f.Code == "" {
		return f.Name
	}
	return v.Say(msg.Message{Code: f.Code, Params: f.Params})
}

// Reasons are an event's reasons in the page's language.
func (v view) Reasons(rs []models.Reason) string { return v.printer().Reasons(rs) }

// Money is an amount of fen in yuan, with the unit, in the page's language.
func (v view) Money(fen int64) string { return v.printer().Money(fen) }

// State names a workflow state in the page's language.
func (v view) State(state string) string { return v.printer().State(state) }

// Has reports whether the form's list name holds value (checkboxes, options).
func (v view) Has(name, value string) bool {
	for _, x := range v.Form[name] {
		if x == value {
			return true
		}
	}
	return false
}

// funcs are the templates' functions (times are the view's: When).
func funcs() template.FuncMap {
	return template.FuncMap{
		"yuan": i18n.Yuan,
		"deref": func(p *int) int {
			if p == nil {
				return 0
			}
			return *p
		},
		"sub": func(a, b int64) int64 { return a - b },
		"percent": func(part, whole int64) int64 {
			if whole <= 0 {
				return 0
			}
			return part * 100 / whole
		},
		"strs": func(s ...string) []string { return s },
	}
}

// parseTemplates parses each page with the layout.
func parseTemplates() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	pages := map[string]*template.Template{}
	for _, name := range names {
		base := path.Base(name)
		if base == "layout.html" {
			continue
		}
		t, err := template.New(base).Funcs(funcs()).ParseFS(templateFS, "templates/layout.html", name)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", base, err)
		}
		pages[strings.TrimSuffix(base, ".html")] = t
	}
	return pages, nil
}

// newView starts the view of the current request.
func (s *site) newView(c echo.Context, titleKey string) view {
	v := view{Lang: c.Get(ctxLang).(string), CSRF: s.csrfToken(c), Path: c.Request().URL.Path,
		Fields: map[string]string{}, Form: url.Values{}, Monitoring: s.cfg.MonitoringURL, Zone: s.cfg.Zone}
	v.Title = v.T(titleKey)
	if acct, ok := account(c); ok {
		v.Account = &acct
		v.Unread = s.unread(c)
		v.Live = s.liveVersion(c)
	}
	return v
}

// loaded is the view of the current request, titled titleKey, with the
// data load (a read of the application for the signed-in actor) gives;
// the view, and with it the live version, is taken before the data.
func loaded[D any](s *site, c echo.Context, titleKey string, load func(context.Context, app.Actor) (D, error)) (view, error) {
	v := s.newView(c, titleKey)
	d, err := load(c.Request().Context(), actor(c))
	if err != nil {
		return view{}, err
	}
	v.Data = d
	return v, nil
}

// render writes the page name with v.
func (s *site) render(c echo.Context, status int, name string, v view) error {
	t, ok := s.pages[name]
	if !ok {
		return fmt.Errorf("no page template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// fail shows the error page with status and the catalog message key.
func (s *site) fail(c echo.Context, status int, key string) error {
	v := s.newView(c, "error.title")
	v.Notice = v.T(key)
	return s.render(c, status, "error", v)
}

// failWith shows the error page for err as the use cases' problem says:
// its status, and its message in the page's language (server errors stay
// vague, and are logged).
func (s *site) failWith(c echo.Context, err error) error {
	p := app.ProblemOf(err)
	if p.RetryAfter > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(p.RetryAfter.Seconds()))))
	}
	if p.Status >= http.StatusInternalServerError {
		s.log.ErrorContext(c.Request().Context(), "page failed", "err", err, "path", c.Path(),
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID))
		return s.failInternal(c, p.Status)
	}
	v := s.newView(c, "error.title")
	v.Notice = v.Say(p.Msg)
	return s.render(c, p.Status, "error", v)
}

// formProblem shows the page name again with the form values and a
// message beside each field; it is how a page answers a 422.
func (s *site) formProblem(c echo.Context, name string, v view, fields map[string]msg.Message) error {
	for f, m := range fields {
		// A list item's message ("preferences[2]") shows beside its list.
		f, _, _ = strings.Cut(f, "[")
		if _, seen := v.Fields[f]; !seen {
			v.Fields[f] = v.Say(m)
		}
	}
	v.Notice = v.T("form.fix")
	return s.render(c, http.StatusUnprocessableEntity, name, v)
}

// bind decodes the posted form into in, a use case's input; it returns the
// form and the message of each value of the wrong type, or nil. The use
// case checks the rest.
func (s *site) bind(c echo.Context, in any) (url.Values, map[string]msg.Message, error) {
	form, err := c.FormParams()
	if err != nil {
		return nil, nil, fmt.Errorf("read form: %w", err)
	}
	return form, DecodeForm(form, in), nil
}

// submitted answers a form whose use case returned err: messages beside the
// form's fields for a problem about fields, the notice for other client
// errors, the error page otherwise.
func (s *site) submitted(c echo.Context, name string, v view, err error) error {
	p := app.ProblemOf(err)
	switch {
	case len(p.Fields) > 0:
		return s.formProblem(c, name, v, p.Fields)
	case p.Status >= http.StatusInternalServerError, p.Status == http.StatusTooManyRequests:
		return s.failWith(c, err)
	default:
		v.Notice = v.Say(p.Msg)
		return s.render(c, p.Status, name, v)
	}
}

// input is one labelled form field with its message.
type input struct {
	Name, Label, Type, Value, Err, Auto string
}

// Input describes the field name for the "input" template: its label (a
// catalog key), input type and autocomplete hint ("" for none). After a
// form posted from a table row (the form value "row" names it), the value
// and message belong to that row's form, so the page's other forms show none.
func (v view) Input(name, labelKey, typ, auto string) input {
	in := input{Name: name, Label: v.T(labelKey), Type: typ, Auto: auto}
	if v.Val("row") == "" {
		in.Value, in.Err = v.Val(name), v.Err(name)
	}
	return in
}
