package api

import (
	"github.com/campusbiz/campusbiz/internal/i18n"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/msg"
)

// ReasonView is a reason as the API shows it: the field it concerns, its
// message code and parameters, and the message rendered in the request's
// language (clients that show reasons as they are read Message).
type ReasonView struct {
	Field   string         `json:"field,omitempty"`
	Code    string         `json:"code"`
	Params  map[string]any `json:"params,omitempty"`
	Message string         `json:"message"`
}

// reasonViews shows reasons with p; never nil.
func reasonViews(reasons []models.Reason, p i18n.Printer) []ReasonView {
	out := make([]ReasonView, len(reasons))
	for i, r := range reasons {
		out[i] = ReasonView{Field: r.Field, Code: r.Code, Params: r.Params, Message: p.Reason(r)}
	}
	return out
}

// ScoreFactorView is one part of an application's automatic score: its
// message's code and parameters, and Note, the message rendered in the
// request's language.
type ScoreFactorView struct {
	Name   string         `json:"name"`
	Points int            `json:"points"`
	Max    int            `json:"max"`
	Code   string         `json:"code,omitempty"`
	Params map[string]any `json:"params,omitempty"`
	Note   string         `json:"note"`
}

// scoreFactorViews shows factors with p; never nil.
func scoreFactorViews(factors []models.ScoreFactor, p i18n.Printer) []ScoreFactorView {
	out := make([]ScoreFactorView, len(factors))
	for i, f := range factors {
		out[i] = ScoreFactorView{Name: f.Name, Points: f.Points, Max: f.Max, Code: f.Code, Params: f.Params}
		if f.Code != "" {
			out[i].Note = p.Render(msg.Message{Code: f.Code, Params: f.Params})
		}
	}
	return out
}

// ExplanationView explains the last matching round's outcome to an
// applicant: the place offered and why every place ranked above it did not
// admit them, each with its reason rendered in the request's language, and
// a summary of it all.
type ExplanationView struct {
	RoundID string `json:"round_id"`
	// Offered is the place offered in the round; null when unmatched.
	Offered *ExplainedPlaceView `json:"offered"`
	// Higher are the places ranked above the offer, best first.
	Higher []ExplainedPlaceView `json:"higher"`
	// Outcome is the code of what the round gave (internship.offered or
	// internship.unmatched) with its parameters.
	Outcome msg.Message `json:"outcome"`
	// Summary says it all in one paragraph.
	Summary string `json:"summary"`
}

// ExplainedPlaceView is one ranked place of an explanation: Reason is the
// rendered sentence, ReasonCode and ReasonParams the message behind it.
type ExplainedPlaceView struct {
	workflows.ExplainedPlace
	Reason       string         `json:"reason"`
	ReasonCode   string         `json:"reason_code"`
	ReasonParams map[string]any `json:"reason_params,omitempty"`
}

// explanationView shows e with p; nil for nil.
func explanationView(e *workflows.InternshipExplanation, p i18n.Printer) *ExplanationView {
	if e == nil {
		return nil
	}
	place := func(x workflows.ExplainedPlace) ExplainedPlaceView {
		return ExplainedPlaceView{ExplainedPlace: x, Reason: p.Render(x.Reason), ReasonCode: x.Reason.Code, ReasonParams: x.Reason.Params}
	}
	v := &ExplanationView{RoundID: e.RoundID, Higher: make([]ExplainedPlaceView, len(e.Higher)), Outcome: e.Outcome}
	sentences := []string{p.Render(e.Outcome)}
	if e.Offered != nil {
		o := place(*e.Offered)
		v.Offered = &o
	}
	for i, h := range e.Higher {
		v.Higher[i] = place(h)
		sentences = append(sentences, v.Higher[i].Reason)
	}
	v.Summary = p.Sentences(sentences)
	return v
}
