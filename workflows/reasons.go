package workflows

import (
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/msg"
)

// NewReason is a reason about field ("" for the whole submission) whose
// message is code (a msg constant) with params.
func NewReason(field, code string, params ...msg.Param) models.Reason {
	return ReasonOf(field, msg.New(code, params...))
}

// ReasonOf is a reason about field whose message is m.
func ReasonOf(field string, m msg.Message) models.Reason {
	return models.Reason{Field: field, Code: m.Code, Params: m.Params}
}
