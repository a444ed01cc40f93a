package workflows

import (
	"regexp"
	"testing"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/stretchr/testify/require"
)

func TestNormalizeShopURL(t *testing.T) {
	t.Parallel()
	same := []string{
		"https://shop.example.com/store/42",
		"http://SHOP.example.com/store/42/",
		"https://shop.example.com:443/store/42#reviews",
		" https://shop.example.com./store/42 ",
	}
	for _, raw := range same {
		key, err := NormalizeShopURL(raw)
		require.NoError(t, err, raw)
		require.Equal(t, "shop.example.com/store/42", key, raw)
	}
	a, err := NormalizeShopURL("https://m.example.com/shop.htm?user_id=2&shop_id=1")
	require.NoError(t, err)
	b, err := NormalizeShopURL("https://m.example.com/shop.htm?shop_id=1&user_id=2")
	require.NoError(t, err)
	require.Equal(t, a, b, "query order does not matter")
	c, err := NormalizeShopURL("https://m.example.com/shop.htm?shop_id=9&user_id=2")
	require.NoError(t, err)
	require.NotEqual(t, a, c, "the query names the shop")
	d, err := NormalizeShopURL("https://shop.example.com:8443/store/42")
	require.NoError(t, err)
	require.Equal(t, "shop.example.com:8443/store/42", d, "a non-default port is kept")
	for raw, want := range map[string]string{
		"https://shop.example.com/%73tore/%34%32":            "shop.example.com/store/42", // unreserved characters decoded
		"https://shop.example.com/a%2db%7Ec":                 "shop.example.com/a-b~c",
		"https://shop.example.com/%e4%b8%ad":                 "shop.example.com/%E4%B8%AD", // upper-case hex
		"https://shop.example.com/中":                         "shop.example.com/%E4%B8%AD",
		"https://shop.example.com/a%2Fb":                     "shop.example.com/a%2Fb", // an encoded slash is not a slash
		"https://例子.测试/x":                                    "xn--fsqu00a.xn--0zwm56d/x",
		"https://XN--FSQU00A.xn--0zwm56d/x":                  "xn--fsqu00a.xn--0zwm56d/x",
		"https://shop.example.com/s?name=%E5%B0%8F%E5%BA%97": "shop.example.com/s?name=%E5%B0%8F%E5%BA%97",
	} {
		key, err := NormalizeShopURL(raw)
		require.NoError(t, err, raw)
		require.Equal(t, want, key, raw)
	}
	v6, err := NormalizeShopURL("http://[2001:DB8::1]/s")
	require.NoError(t, err)
	require.Equal(t, "[2001:db8::1]/s", v6)

	for _, bad := range []string{"", "ftp://shop.example.com/", "https://user:pw@shop.example.com/", "shop.example.com/x",
		"https:///nohost", "javascript:alert(1)", "https://%zz/"} {
		_, err := NormalizeShopURL(bad)
		require.Error(t, err, bad)
	}
}

func TestVerificationCode(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 1000 {
		c := NewVerificationCode()
		require.Regexp(t, regexp.MustCompile(`^CB-[A-Z2-7]{12}$`), c)
		require.False(t, seen[c], "codes do not repeat")
		seen[c] = true
	}
}

func TestShopEligibility(t *testing.T) {
	t.Parallel()
	require.Empty(t, ShopEligibility(ShopCheck{OwnerVerified: true}))
	r := ShopEligibility(ShopCheck{OwnerVerified: false, IDClaimed: true, URLClaimed: true})
	require.Equal(t, []models.Reason{
		{Code: msg.ShopStudentNotVerified},
		{Field: "platform_shop_id", Code: msg.ShopIDClaimed},
		{Field: "shop_url", Code: msg.ShopURLClaimed},
	}, r)
	require.Equal(t, models.Reason{Field: "shop_url", Code: msg.ShopCodeNotFound,
		Params: map[string]any{"code": "CB-X", "url": "https://s.example.com/1"}}, CodeMissingReason("CB-X", "https://s.example.com/1"))
	require.Equal(t, models.Reason{Field: "shop_url", Code: msg.ShopPageUnreachable, Params: map[string]any{"tries": int64(9)}},
		PageProblemReason(msg.New(msg.ShopPageUnreachable, msg.Int("tries", 9))))
	require.True(t, ShopMachine.Allows(ShopRejected, ShopPending), "a rejected shop may be checked again")
	require.False(t, ShopMachine.Allows(ShopVerified, ShopPending), "a verified shop is final")
}

func FuzzNormalizeShopURL(f *testing.F) {
	for _, s := range []string{"https://shop.example.com/a/", "http://[::1]:80/x?b=2&a=1", "https://a.b:0/", "http://%41.com/",
		"https://shop.example.com/a%2Fb", "http://xn--fiqs8s.cn/店"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		key, err := NormalizeShopURL(raw)
		if err != nil {
			return
		}
		if key == "" {
			t.Fatalf("%q: empty key", raw)
		}
		// The key of an accepted address, given back as an address, is
		// accepted again with the same key: normalising is idempotent.
		again, err := NormalizeShopURL("https://" + key)
		if err != nil {
			t.Fatalf("%q: key %q is not an address: %v", raw, key, err)
		}
		if again != key {
			t.Fatalf("%q: key %q normalises again to %q", raw, key, again)
		}
	})
}
