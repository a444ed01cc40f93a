package accounts

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPasswordHashing(t *testing.T) {
	t.Parallel()
	hash, err := HashPassword("correct horse battery staple")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$"), hash)
	require.NotContains(t, hash, "correct horse")

	ok, err := CheckPassword(hash, "correct horse battery staple")
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = CheckPassword(hash, "correct horse battery stapl")
	require.NoError(t, err)
	require.False(t, ok)

	again, err := HashPassword("correct horse battery staple")
	require.NoError(t, err)
	require.NotEqual(t, hash, again, "every hash has its own salt")

	for _, bad := range []string{"", "plain", "$bcrypt$x$y$z$w", "$argon2id$v=18$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=x$AA$AA",
		"$argon2id$v=19$m=1,t=1,p=1$!!$AA"} {
		_, err := CheckPassword(bad, "x")
		require.ErrorIs(t, err, errBadHash, bad)
	}
}

func TestNormalizeEmail(t *testing.T) {
	t.Parallel()
	require.Equal(t, "li.hua@example.com", NormalizeEmail("  Li.Hua@Example.COM "))
}
