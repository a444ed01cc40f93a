package seed

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCollegesData(t *testing.T) {
	t.Parallel()
	recs, err := Colleges()
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(recs), 100, "the programme promises at least 100 partner colleges")
	domainPattern := regexp.MustCompile(`^[a-z0-9-]+(\.[a-z0-9-]+)+$`)
	names, domains, provinces := map[string]bool{}, map[string]string{}, map[string]bool{}
	for _, r := range recs {
		require.NotEmpty(t, r.Name)
		require.NotEmpty(t, r.Province, r.Name)
		require.False(t, names[r.Name], "duplicate college %s", r.Name)
		names[r.Name] = true
		provinces[r.Province] = true
		require.NotEmpty(t, r.EmailDomains, r.Name)
		for _, d := range r.EmailDomains {
			require.Regexp(t, domainPattern, d, r.Name)
			other, dup := domains[d]
			require.False(t, dup, "domain %s of %s also belongs to %s", d, r.Name, other)
			domains[d] = r.Name
		}
	}
	require.GreaterOrEqual(t, len(provinces), 25, "colleges should span the country")
	require.True(t, names["义乌工商职业技术学院"], "the announcement's Yiwu college is a partner")
}
