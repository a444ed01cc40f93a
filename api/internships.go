package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/labstack/echo/v4"
)

// PlaceRequest is the body of POST /admin/internships.
type PlaceRequest struct {
	Company string   `json:"company" validate:"required,max=100,nocontrol"`
	Title   string   `json:"title" validate:"required,max=100,nocontrol"`
	City    string   `json:"city" validate:"required,max=50,nocontrol"`
	Skills  []string `json:"skills" validate:"max=20,dive,max=50,nocontrol"`
	// Capacity is a pointer so that a missing capacity differs from 0.
	Capacity *int   `json:"capacity" validate:"required,min=0,max=10000"`
	Status   string `json:"status" validate:"omitempty,oneof=open closed"`
}

// PlaceChangeRequest is the body of PATCH /admin/internships/{id}: the
// fields to change.
type PlaceChangeRequest struct {
	Status   *string `json:"status" validate:"omitempty,oneof=open closed"`
	Capacity *int    `json:"capacity" validate:"omitempty,min=0,max=10000"`
}

// InternshipApplicationRequest is the body of POST /internship-applications.
type InternshipApplicationRequest struct {
	// Preferences are place ids, best first.
	Preferences []string `json:"preferences" validate:"required,min=1,max=10,dive,uuid"`
	Skills      []string `json:"skills" validate:"required,max=20,dive,max=50,nocontrol"`
}

// PlaceView is an internship place.
type PlaceView struct {
	ID       string   `json:"id"`
	Company  string   `json:"company"`
	Title    string   `json:"title"`
	City     string   `json:"city"`
	Skills   []string `json:"skills"`
	Capacity int      `json:"capacity"`
	// Filled counts the seats offers hold (offered or accepted).
	Filled    int64     `json:"filled"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func placeView(p workflows.PlaceWithFilled) PlaceView {
	skills := []string(p.Skills)
	if skills == nil {
		skills = []string{}
	}
	return PlaceView{ID: p.ID, Company: p.Company, Title: p.Title, City: p.City, Skills: skills, Capacity: p.Capacity,
		Filled: p.Filled, Status: p.Status, CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC()}
}

// InternshipApplicationView is an application as its owner and admins see it.
type InternshipApplicationView struct {
	ID          string   `json:"id"`
	AccountID   string   `json:"account_id"`
	Status      string   `json:"status"`
	Preferences []string `json:"preferences"`
	Skills      []string `json:"skills"`
	// Offer is the place offered (also once accepted or declined); null
	// before an offer.
	Offer *OfferView `json:"offer"`
	// Explanation explains the last round's outcome; null before a round.
	Explanation *ExplanationView `json:"explanation"`
	AnsweredAt  *time.Time       `json:"answered_at"`
	CreatedAt   time.Time        `json:"created_at"`
	UpdatedAt   time.Time        `json:"updated_at"`
	EventsURL   string           `json:"events_url"`
}

// OfferView is an offer: the place, the round that made it and its deadline.
type OfferView struct {
	Place     PlaceView  `json:"place"`
	RoundID   *string    `json:"round_id"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// MatchRoundView is a matching round with its counts and timings.
type MatchRoundView struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	// Seed is the lottery seed (a decimal uint64, as a string).
	Seed          string     `json:"seed"`
	Trigger       string     `json:"trigger"`
	RequestedBy   *string    `json:"requested_by"`
	ScheduledFor  *time.Time `json:"scheduled_for"`
	Applicants    int        `json:"applicants"`
	Places        int        `json:"places"`
	Seats         int        `json:"seats"`
	Matched       int        `json:"matched"`
	Unmatched     int        `json:"unmatched"`
	Proposals     int64      `json:"proposals"`
	ExpiredOffers int        `json:"expired_offers"`
	// Duration is the round's run time in seconds; Timings splits it.
	Duration       float64      `json:"duration"`
	Timings        RoundTimings `json:"timings"`
	OffersExpireAt *time.Time   `json:"offers_expire_at"`
	Error          string       `json:"error"`
	CreatedAt      time.Time    `json:"created_at"`
	StartedAt      *time.Time   `json:"started_at"`
	FinishedAt     *time.Time   `json:"finished_at"`
	EventsURL      string       `json:"events_url"`
}

// RoundTimings splits a round's run time.
type RoundTimings struct {
	LoadMS  int `json:"load_ms"`
	MatchMS int `json:"match_ms"`
	SaveMS  int `json:"save_ms"`
}

func roundView(r models.MatchRound) MatchRoundView {
	return MatchRoundView{
		ID: r.ID, Status: r.Status, Seed: strconv.FormatUint(uint64(r.Seed), 10), Trigger: r.Trigger,
		RequestedBy: r.RequestedBy, ScheduledFor: utc(r.ScheduledFor), Applicants: r.Applicants, Places: r.Places,
		Seats: r.Seats, Matched: r.Matched, Unmatched: r.Unmatched, Proposals: r.Proposals, ExpiredOffers: r.ExpiredOffers,
		Duration: float64(r.DurationMS) / 1000, Timings: RoundTimings{LoadMS: r.LoadMS, MatchMS: r.MatchMS, SaveMS: r.SaveMS},
		OffersExpireAt: utc(r.OffersExpireAt), Error: r.Error, CreatedAt: r.CreatedAt.UTC(), StartedAt: utc(r.StartedAt),
		FinishedAt: utc(r.FinishedAt), EventsURL: "/api/v1/admin/match-rounds/" + r.ID + "/events",
	}
}

// utc is t in UTC, nil stays nil.
func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func (s *server) listPlaces(c echo.Context) error {
	q := workflows.PlacesQuery(c.Request().Context(), s.db).Where("p.status = ?", workflows.PlaceOpen)
	return listPage(c, q, "p.id", false, placeView, func(v PlaceView) string { return v.ID })
}

func (s *server) getPlace(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	place, err := s.place(c, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, placeView(place))
}

// place loads one place with its filled seats.
func (s *server) place(c echo.Context, id string) (workflows.PlaceWithFilled, error) {
	var p workflows.PlaceWithFilled
	err := workflows.PlacesQuery(c.Request().Context(), s.db).Where("p.id = ?", id).Take(&p).Error
	return p, err
}

func (s *server) createPlace(c echo.Context) error {
	var req PlaceRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	p, err := workflows.CreatePlace(c.Request().Context(), s.db, workflows.PlaceForm{
		Company: req.Company, Title: req.Title, City: req.City, Skills: req.Skills, Capacity: *req.Capacity, Status: req.Status,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, placeView(workflows.PlaceWithFilled{InternshipPlace: p}))
}

func (s *server) changePlace(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req PlaceChangeRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	if req.Status == nil && req.Capacity == nil {
		return fieldErrors(map[string]msg.Message{"status": msg.New(msg.InternshipChangeEmpty), "capacity": msg.New(msg.InternshipChangeEmpty)})
	}
	ctx := c.Request().Context()
	if _, err := workflows.ChangePlace(ctx, s.db, id, workflows.PlaceChange{Status: req.Status, Capacity: req.Capacity}); err != nil {
		return err
	}
	place, err := s.place(c, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, placeView(place))
}

func (s *server) submitInternship(c echo.Context) error {
	if _, err := s.requireVerified(c); err != nil {
		return err
	}
	var req InternshipApplicationRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	sub, err := workflows.SubmitInternship(c.Request().Context(), s.db, current(c).ID,
		workflows.InternshipForm{Preferences: req.Preferences, Skills: req.Skills})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, applicationView(sub.Entity, nil, nil))
}

func applicationView(a models.InternshipApplication, offer *OfferView, e *ExplanationView) InternshipApplicationView {
	skills := []string(a.Skills)
	if skills == nil {
		skills = []string{}
	}
	return InternshipApplicationView{
		ID: a.ID, AccountID: a.AccountID, Status: a.Status, Preferences: a.Preferences, Skills: skills,
		Offer: offer, Explanation: e, AnsweredAt: utc(a.AnsweredAt), CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC(),
		EventsURL: "/api/v1/internship-applications/" + a.ID + "/events",
	}
}

// fullApplicationView adds the offered place and the explanation.
func (s *server) fullApplicationView(c echo.Context, a models.InternshipApplication) (InternshipApplicationView, error) {
	var offer *OfferView
	if a.OfferPlaceID != nil {
		place, err := s.place(c, *a.OfferPlaceID)
		if err != nil {
			return InternshipApplicationView{}, err
		}
		offer = &OfferView{Place: placeView(place), RoundID: a.RoundID, ExpiresAt: utc(a.OfferExpiresAt)}
	}
	e, err := workflows.ExplainApplication(c.Request().Context(), s.db, a)
	if err != nil {
		return InternshipApplicationView{}, err
	}
	return applicationView(a, offer, explanationView(e, s.printer(c))), nil
}

func (s *server) listInternshipApplications(c echo.Context) error {
	p, err := parsePage(c)
	if err != nil {
		return err
	}
	q := s.db.WithContext(c.Request().Context()).Order("id").Limit(p.limit + 1)
	if acct := current(c); acct.Role != models.RoleAdmin {
		q = q.Where("account_id = ?", acct.ID)
	}
	switch st := c.QueryParam("status"); st {
	case "":
	case workflows.InternshipPending, workflows.InternshipOffered, workflows.InternshipAccepted,
		workflows.InternshipDeclined, workflows.InternshipUnmatched:
		q = q.Where("status = ?", st)
	default:
		return queryError("status", msg.FieldOneOf, msg.Texts("values", []string{workflows.InternshipPending, workflows.InternshipOffered,
			workflows.InternshipAccepted, workflows.InternshipDeclined, workflows.InternshipUnmatched}))
	}
	if p.after != "" {
		q = q.Where("id > ?", p.after)
	}
	var rows []models.InternshipApplication
	if err := q.Find(&rows).Error; err != nil {
		return err
	}
	views := make([]InternshipApplicationView, len(rows))
	for i, r := range rows {
		views[i] = applicationView(r, nil, nil)
	}
	return c.JSON(http.StatusOK, finish(views, p, func(v InternshipApplicationView) string { return v.ID }))
}

func (s *server) getInternshipApplication(c echo.Context) error {
	app, err := s.readableApplication(c)
	if err != nil {
		return err
	}
	v, err := s.fullApplicationView(c, app)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (s *server) internshipApplicationEvents(c echo.Context) error {
	app, err := s.readableApplication(c)
	if err != nil {
		return err
	}
	return s.events(c, app.ID)
}

// readableApplication loads the :id application if the caller may read it
// (owner or admin); otherwise it is not found.
func (s *server) readableApplication(c echo.Context) (models.InternshipApplication, error) {
	return readable(s, c, func(a models.InternshipApplication) string { return a.AccountID }, nil)
}

func (s *server) acceptOffer(c echo.Context) error  { return s.answerOffer(c, true) }
func (s *server) declineOffer(c echo.Context) error { return s.answerOffer(c, false) }

func (s *server) answerOffer(c echo.Context, accept bool) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	app, err := workflows.AnswerOffer(c.Request().Context(), s.db, current(c).ID, id, accept, time.Now().UTC())
	if err != nil {
		return err
	}
	v, err := s.fullApplicationView(c, app)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (s *server) startMatchRound(c echo.Context) error {
	ctx := c.Request().Context()
	ctx, flush := s.direct(ctx)
	sub, err := workflows.StartMatchRound(ctx, s.db, workflows.StartRound{Trigger: workflows.TriggerAdmin, AccountID: current(c).ID})
	if err != nil {
		return err
	}
	flush()
	return c.JSON(http.StatusAccepted, roundView(sub.Entity))
}

func (s *server) listMatchRounds(c echo.Context) error {
	// Newest first: the round an admin looks for is usually the last one.
	return listPage(c, s.db.WithContext(c.Request().Context()), "id", true, roundView,
		func(v MatchRoundView) string { return v.ID })
}

func (s *server) getMatchRound(c echo.Context) error {
	round, err := s.matchRound(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, roundView(round))
}

func (s *server) matchRoundEvents(c echo.Context) error {
	round, err := s.matchRound(c)
	if err != nil {
		return err
	}
	return s.events(c, round.ID)
}

func (s *server) matchRound(c echo.Context) (models.MatchRound, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return models.MatchRound{}, err
	}
	var round models.MatchRound
	err = s.db.WithContext(c.Request().Context()).Take(&round, "id = ?", id).Error
	return round, err
}
