package api

import (
	"net/http"
	"time"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/i18n"
	"github.com/campusbiz/campusbiz/models"
	"github.com/labstack/echo/v4"
)

// DisputeView is a dispute.
type DisputeView struct {
	ID                string     `json:"id"`
	ClaimantProfileID string     `json:"claimant_profile_id"`
	OtherProfileID    string     `json:"other_profile_id"`
	Statement         string     `json:"statement"`
	EmailProven       bool       `json:"email_proven"`
	Status            string     `json:"status"`
	DecisionReason    *string    `json:"decision_reason"`
	DecidedAt         *time.Time `json:"decided_at"`
	CreatedAt         time.Time  `json:"created_at"`
	EventsURL         string     `json:"events_url"`
}

func disputeView(d models.Dispute) DisputeView {
	v := DisputeView{ID: d.ID, ClaimantProfileID: d.ClaimantProfileID, OtherProfileID: d.OtherProfileID,
		Statement: d.Statement, EmailProven: d.EmailProven, Status: d.Status, DecisionReason: d.DecisionReason,
		CreatedAt: d.CreatedAt.UTC(), EventsURL: "/api/v1/disputes/" + d.ID + "/events", DecidedAt: utc(d.DecidedAt)}
	return v
}

// ClaimView is one side of a dispute.
type ClaimView struct {
	Profile      ProfileView `json:"profile"`
	AccountName  string      `json:"account_name"`
	AccountEmail string      `json:"account_email"`
	EmailProven  bool        `json:"email_proven"`
	Shops        int64       `json:"shops"`
	OpenFund     int64       `json:"open_fund_applications"`
	Disbursed    int64       `json:"disbursed_grants"`
	Certificates int64       `json:"valid_certificates"`
}

func claimView(c app.DisputeClaim, pr i18n.Printer) ClaimView {
	return ClaimView{Profile: profileView(c.Profile, pr), AccountName: c.AccountName, AccountEmail: c.AccountEmail,
		EmailProven: c.EmailProven, Shops: c.Shops, OpenFund: c.OpenFund, Disbursed: c.Disbursed, Certificates: c.Certificates}
}

// DisputeDetailView is a dispute with both claims side by side.
type DisputeDetailView struct {
	Dispute  DisputeView `json:"dispute"`
	Claimant ClaimView   `json:"claimant"`
	Other    ClaimView   `json:"other"`
}

// DisputeDecisionView is what a decision did.
type DisputeDecisionView struct {
	Dispute               DisputeView `json:"dispute"`
	RejectedShops         []string    `json:"rejected_shops"`
	WithdrawnApplications []string    `json:"withdrawn_applications"`
	RevokedCertificates   []string    `json:"revoked_certificates"`
	FlaggedDisbursed      []string    `json:"flagged_disbursed_applications"`
	FlaggedInternships    []string    `json:"flagged_internship_applications"`
}

func (s *server) fileDispute(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in app.DisputeInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	d, err := s.app.FileDispute(c.Request().Context(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, disputeView(d))
}

func (s *server) listDisputes(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	l, err := s.app.Disputes(c.Request().Context(), actor(c), app.DisputeFilter{Status: c.QueryParam("status")}, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(l, disputeView))
}

func (s *server) getDispute(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	det, err := s.app.Dispute(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	pr := printer(c)
	return c.JSON(http.StatusOK, DisputeDetailView{Dispute: disputeView(det.Dispute),
		Claimant: claimView(det.Claimant, pr), Other: claimView(det.Other, pr)})
}

func (s *server) decideDispute(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in app.DecideDisputeInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	dec, err := s.app.DecideDispute(c.Request().Context(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, DisputeDecisionView{Dispute: disputeView(dec.Dispute),
		RejectedShops: nonNil(dec.RejectedShops), WithdrawnApplications: nonNil(dec.WithdrawnApplications),
		RevokedCertificates: nonNil(dec.RevokedCertificates), FlaggedDisbursed: nonNil(dec.FlaggedDisbursed),
		FlaggedInternships: nonNil(dec.FlaggedInternships)})
}
