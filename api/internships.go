package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/i18n"
	"github.com/campusbiz/campusbiz/models"
	"github.com/labstack/echo/v4"
)

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

func placeView(p app.Place) PlaceView {
	return PlaceView{ID: p.ID, Company: p.Company, Title: p.Title, City: p.City, Skills: nonNil([]string(p.Skills)),
		Capacity: p.Capacity, Filled: p.Filled, Status: p.Status, CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC()}
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
func applicationView(a app.InternshipApplication, pr i18n.Printer) InternshipApplicationView {
	v := InternshipApplicationView{
		ID: a.ID, AccountID: a.AccountID, Status: a.Status, Preferences: a.Preferences, Skills: nonNil([]string(a.Skills)),
		Explanation: explanationView(a.Explanation, pr), AnsweredAt: utc(a.AnsweredAt), CreatedAt: a.CreatedAt.UTC(),
		UpdatedAt: a.UpdatedAt.UTC(), EventsURL: "/api/v1/internship-applications/" + a.ID + "/events",
	}
	if a.OfferPlace != nil {
		v.Offer = &OfferView{Place: placeView(*a.OfferPlace), RoundID: a.RoundID, ExpiresAt: utc(a.OfferExpiresAt)}
	}
	return v
}

func (s *server) listPlaces(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	l, err := s.app.OpenPlaces(c.Request().Context(), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(l, placeView))
}

func (s *server) getPlace(c echo.Context) error {
	place, err := s.app.Place(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, placeView(place))
}

func (s *server) createPlace(c echo.Context) error {
	var in app.PlaceInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	p, err := s.app.CreatePlace(c.Request().Context(), actor(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, placeView(p))
}

func (s *server) changePlace(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in app.PlaceChangeInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	p, err := s.app.ChangePlace(c.Request().Context(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, placeView(p))
}

func (s *server) submitInternship(c echo.Context) error {
	var in app.InternshipInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	a, err := s.app.SubmitInternship(c.Request().Context(), actor(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, applicationView(app.InternshipApplication{InternshipApplication: a}, printer(c)))
}

func (s *server) listInternshipApplications(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	l, err := s.app.InternshipApplications(c.Request().Context(), actor(c), c.QueryParam("status"), p)
	if err != nil {
		return err
	}
	pr := printer(c)
	return c.JSON(http.StatusOK, listOf(l, func(a models.InternshipApplication) InternshipApplicationView {
		return applicationView(app.InternshipApplication{InternshipApplication: a}, pr)
	}))
}

func (s *server) getInternshipApplication(c echo.Context) error {
	a, err := s.app.InternshipApplication(c.Request().Context(), actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, applicationView(a, printer(c)))
}

func (s *server) acceptOffer(c echo.Context) error  { return s.answerOffer(c, true) }
func (s *server) declineOffer(c echo.Context) error { return s.answerOffer(c, false) }

func (s *server) answerOffer(c echo.Context, accept bool) error {
	a, err := s.app.AnswerOffer(c.Request().Context(), actor(c), c.Param("id"), accept)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, applicationView(a, printer(c)))
}

func (s *server) startMatchRound(c echo.Context) error {
	round, err := s.app.StartMatchRound(c.Request().Context(), actor(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, roundView(round))
}

func (s *server) listMatchRounds(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	l, err := s.app.MatchRounds(c.Request().Context(), actor(c), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(l, roundView))
}

func (s *server) getMatchRound(c echo.Context) error {
	round, err := s.app.MatchRound(c.Request().Context(), actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, roundView(round))
}
