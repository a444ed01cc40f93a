package workflows

import (
	"fmt"
	"math"

	"gorm.io/gorm"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/msg"
)

// DefaultCriterion is the rubric of a programme that sets none: one
// criterion, Overall, weight 1, at most 10 points; a review's score on it
// is the review's score.
var DefaultCriterion = models.FundCriterion{Position: 1, NameZH: "总体评价", NameEN: "Overall", Weight: 1, MaxPoints: 10}

// CriterionScore is a review's points and comment on one criterion.
type CriterionScore struct {
	CriterionID string
	Points      int
	Comment     string
}

// ScoreRubric checks a review's scores against the programme's rubric and
// returns the review's score: the weighted mean of points over maximum,
// on the 1 to 10 scale of the quorum and the mean-score bar (10 × Σ
// weight·points/max ÷ Σ weight, rounded half up to a whole point, at least
// 1). Every criterion is scored exactly once, within its maximum. A review
// may instead send only score (1 to 10) when the rubric is the default
// one: it is the Overall criterion's points.
func ScoreRubric(rubric []models.FundCriterion, scores []CriterionScore, score int) (int, []CriterionScore, error) {
	if len(scores) == 0 {
		if score != 0 && len(rubric) == 1 && rubric[0].MaxPoints == DefaultCriterion.MaxPoints {
			return score, []CriterionScore{{CriterionID: rubric[0].ID, Points: score}}, nil
		}
		return 0, nil, Invalid("criteria", msg.FundRubricIncomplete, msg.Int("criteria", int64(len(rubric))))
	}
	if score != 0 {
		return 0, nil, Invalid("score", msg.FundRubricOrScore)
	}
	byID := make(map[string]models.FundCriterion, len(rubric))
	for _, c := range rubric {
		byID[c.ID] = c
	}
	seen := make(map[string]bool, len(scores))
	var weighted, weights float64
	for _, s := range scores {
		c, ok := byID[s.CriterionID]
		switch {
		case !ok:
			return 0, nil, Invalid("criteria", msg.FundCriterionUnknown, msg.Text("criterion_id", s.CriterionID))
		case seen[s.CriterionID]:
			return 0, nil, Invalid("criteria", msg.FundRubricIncomplete, msg.Int("criteria", int64(len(rubric))))
		case s.Points < 0 || s.Points > c.MaxPoints:
			return 0, nil, Invalid("criteria", msg.FundCriterionPoints, msg.Text("criterion", c.NameEN), msg.Int("max", int64(c.MaxPoints)))
		}
		seen[s.CriterionID] = true
		weighted += float64(c.Weight) * float64(s.Points) / float64(c.MaxPoints)
		weights += float64(c.Weight)
	}
	if len(seen) != len(rubric) {
		return 0, nil, Invalid("criteria", msg.FundRubricIncomplete, msg.Int("criteria", int64(len(rubric))))
	}
	return max(1, int(math.Floor(10*weighted/weights+0.5))), scores, nil
}

// GiveDefaultRubric gives the new programme programID the default rubric
// (DefaultCriterion); every way of creating a programme calls it.
func GiveDefaultRubric(tx *gorm.DB, programID string) error {
	c := DefaultCriterion
	c.ID, c.ProgramID = models.NewID(), programID
	if err := tx.Create(&c).Error; err != nil {
		return fmt.Errorf("give programme %s the default rubric: %w", programID, err)
	}
	return nil
}
