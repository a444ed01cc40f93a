package workflows

import (
	"errors"
	"testing"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/stretchr/testify/require"
)

func TestScoreRubric(t *testing.T) {
	t.Parallel()
	plan := models.FundCriterion{ID: "plan", NameEN: "Business plan", Weight: 2, MaxPoints: 10}
	shop := models.FundCriterion{ID: "shop", NameEN: "Shop record", Weight: 1, MaxPoints: 5}
	rubric := []models.FundCriterion{plan, shop}
	overall := DefaultCriterion
	overall.ID = "overall"
	code := func(err error, field string) string {
		var v *ValidationError
		require.True(t, errors.As(err, &v), "%v", err)
		return v.Fields[field].Code
	}

	score, scored, err := ScoreRubric(rubric, []CriterionScore{{"plan", 8, "costed"}, {"shop", 2, ""}}, 0)
	require.NoError(t, err)
	// 10 × (2×8/10 + 1×2/5) / 3 = 10 × 2.0 / 3 = 6.67 → 7.
	require.Equal(t, 7, score)
	require.Len(t, scored, 2)
	score, _, err = ScoreRubric(rubric, []CriterionScore{{"plan", 10, ""}, {"shop", 5, ""}}, 0)
	require.NoError(t, err)
	require.Equal(t, 10, score, "full marks are 10")
	score, _, err = ScoreRubric(rubric, []CriterionScore{{"plan", 0, ""}, {"shop", 0, ""}}, 0)
	require.NoError(t, err)
	require.Equal(t, 1, score, "the scale starts at 1")

	score, scored, err = ScoreRubric([]models.FundCriterion{overall}, nil, 8)
	require.NoError(t, err)
	require.Equal(t, 8, score, "on the default rubric a score stands for its one criterion")
	require.Equal(t, []CriterionScore{{CriterionID: "overall", Points: 8}}, scored)

	_, _, err = ScoreRubric(rubric, nil, 8)
	require.Equal(t, msg.FundRubricIncomplete, code(err, "criteria"), "a score alone does not do for a real rubric")
	_, _, err = ScoreRubric(rubric, []CriterionScore{{"plan", 8, ""}}, 0)
	require.Equal(t, msg.FundRubricIncomplete, code(err, "criteria"), "every criterion")
	_, _, err = ScoreRubric(rubric, []CriterionScore{{"plan", 8, ""}, {"plan", 8, ""}}, 0)
	require.Equal(t, msg.FundRubricIncomplete, code(err, "criteria"), "each once")
	_, _, err = ScoreRubric(rubric, []CriterionScore{{"plan", 8, ""}, {"other", 2, ""}}, 0)
	require.Equal(t, msg.FundCriterionUnknown, code(err, "criteria"))
	_, _, err = ScoreRubric(rubric, []CriterionScore{{"plan", 8, ""}, {"shop", 6, ""}}, 0)
	require.Equal(t, msg.FundCriterionPoints, code(err, "criteria"), "within the maximum")
	_, _, err = ScoreRubric(rubric, []CriterionScore{{"plan", 8, ""}, {"shop", 2, ""}}, 7)
	require.Equal(t, msg.FundRubricOrScore, code(err, "score"), "not both")
}
