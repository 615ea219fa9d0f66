using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Sesame.Reliability.Tests.Infrastructure;
using Sesame.Testing.Server;

namespace Sesame.Reliability.Tests;

/// <summary>One server and one real session shared by the stateless attack cases (none of them changes what the server stores).</summary>
public sealed class HostileServerFixture : IAsyncLifetime
{
    public SesameTestServer Server { get; private set; } = null!;

    public HeaderTokens Alice { get; private set; } = null!;

    public string CookieAccessToken { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Server = await Servers.StartAsync(o => o.AccessTokenLifetime = TimeSpan.FromHours(1));
        using var raw = new Raw(Server);
        Alice = await raw.LoginHeaderAsync("alice");
        using var cookieLogin = await raw.LoginAsync("alice", cookieMode: true);
        CookieAccessToken = cookieLogin.SetCookie("sAccessToken")!;
    }

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>Forged, tampered and malformed access tokens, in the Authorization header and in the cookie: a 4xx, never the session.</summary>
public sealed class SecurityHostileTokenTests(HostileServerFixture fixture) : IClassFixture<HostileServerFixture>
{
    private readonly SesameTestServer _server = fixture.Server;

    public static TheoryData<string, string> Cases
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var transport in new[] { "header", "cookie" })
            {
                foreach (var kind in new[]
                {
                    "alg-none", "alg-none-signature-kept", "hs256-signed-with-the-public-key", "our-kid-signed-by-another-key", "unknown-kid",
                    "no-kid", "tampered-payload", "tampered-signature", "signature-of-another-token", "wrong-issuer-signed-by-another-key",
                    "issuer-changed-signature-kept", "expired-signed-with-the-server-key", "not-yet-valid-signed-by-another-key",
                    "wrong-claim-types-signed-with-the-server-key", "payload-not-an-object-signed-with-the-server-key", "malformed-base64",
                    "malformed-json", "two-segments", "four-segments", "empty", "huge-20kb", "no-version-header",
                    "numeric-version-header", "typ-missing",
                })
                {
                    data.Add(transport, kind);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Security_hostile_access_token_gets_401_never_the_session(string transport, string kind)
    {
        var valid = transport == "header" ? fixture.Alice.AccessToken : fixture.CookieAccessToken;
        var token = await ForgeAsync(valid, kind);
        using var raw = new Raw(_server);
        using var response = transport == "header"
            ? await raw.GetAsync("/", token)
            : await raw.GetAsync("/", decorate: r => r.Headers.TryAddWithoutValidation("Cookie", "sAccessToken=" + token));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var message = await response.MessageAsync();
        Assert.Contains(message, new[] { "try refresh token", "unauthorised" });
        if (kind is "expired-signed-with-the-server-key" or "tampered-signature" or "our-kid-signed-by-another-key" or "unknown-kid")
        {
            // docs/protocol/rotation.md#verification step 3: ours in shape but not verifiable or expired ⇒ the client should refresh.
            Assert.Equal("try refresh token", message);
        }

        // The real token still works next to the attacks.
        using var control = transport == "header"
            ? await raw.GetAsync("/", valid)
            : await raw.GetAsync("/", decorate: r => r.Headers.TryAddWithoutValidation("Cookie", "sAccessToken=" + valid));
        Assert.Equal("alice", await control.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Security_access_token_past_Kestrels_header_limit_gets_431_not_a_500()
    {
        var payload = Jwt.Payload(fixture.Alice.AccessToken);
        payload["pad"] = new string('x', 40_000);
        var parts = fixture.Alice.AccessToken.Split('.');
        using var raw = new Raw(_server);
        using var response = await raw.GetAsync("/", parts[0] + "." + Jwt.Encode(payload) + "." + parts[2]);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Security_duplicate_access_token_cookies_get_try_refresh_not_the_session()
    {
        using var raw = new Raw(_server);
        var valid = fixture.CookieAccessToken;
        using var both = await raw.GetAsync("/", decorate: r => r.Headers.TryAddWithoutValidation("Cookie", $"sAccessToken={valid}; sAccessToken={valid}"));
        Assert.Equal(HttpStatusCode.Unauthorized, both.StatusCode);
        Assert.Equal("try refresh token", await both.MessageAsync());

        using var planted = await raw.GetAsync("/", decorate: r => r.Headers.TryAddWithoutValidation("Cookie", $"sAccessToken=planted-by-a-sibling-domain; sAccessToken={valid}"));
        Assert.Equal(HttpStatusCode.Unauthorized, planted.StatusCode);
    }

    [Fact]
    public async Task Security_oversized_cookies_get_401_or_431_not_a_500()
    {
        using var raw = new Raw(_server);
        // A 5 KB refresh-token cookie: past the codec's 4 KB limit, refused before any work.
        using var bigRefresh = await raw.RefreshAsync(null, r => r.Headers.TryAddWithoutValidation("Cookie", "sRefreshToken=" + new string('a', 5_000)));
        Assert.Equal(HttpStatusCode.Unauthorized, bigRefresh.StatusCode);
        Assert.Equal("unauthorised", await bigRefresh.MessageAsync());

        // A 17 KB access-token cookie: past the verifier's 16 KB limit ("no usable token").
        using var bigAccess = await raw.GetAsync("/", decorate: r => r.Headers.TryAddWithoutValidation("Cookie", "sAccessToken=" + new string('a', 17_000)));
        Assert.Equal(HttpStatusCode.Unauthorized, bigAccess.StatusCode);

        // A 40 KB Cookie header: Kestrel refuses the request before the app sees it.
        using var huge = await raw.GetAsync("/", decorate: r => r.Headers.TryAddWithoutValidation("Cookie", "sAccessToken=" + fixture.CookieAccessToken + "; junk=" + new string('j', 40_000)));
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, huge.StatusCode);
    }

    private async Task<string> ForgeAsync(string valid, string kind)
    {
        var parts = valid.Split('.');
        var header = Jwt.Header(valid);
        var payload = Jwt.Payload(valid);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var stranger = RSA.Create(2048);
        switch (kind)
        {
            case "alg-none":
                header["alg"] = "none";
                return Jwt.Encode(header) + "." + parts[1] + ".";
            case "alg-none-signature-kept":
                header["alg"] = "none";
                return Jwt.Encode(header) + "." + parts[1] + "." + parts[2];
            case "hs256-signed-with-the-public-key":
            {
                // The classic algorithm confusion: HMAC keyed with the RSA public key everyone can read from the JWKS.
                header["alg"] = "HS256";
                var (_, key) = await Jwt.ServerKeyAsync(_server);
                using (key)
                {
                    var input = Jwt.Encode(header) + "." + parts[1];
                    return input + "." + Jwt.Encode(HMACSHA256.HashData(key.ExportSubjectPublicKeyInfo(), Encoding.ASCII.GetBytes(input)));
                }
            }

            case "our-kid-signed-by-another-key":
                return Jwt.Sign(header, payload, stranger);
            case "unknown-kid":
                header["kid"] = "d-1";
                return Jwt.Sign(header, payload, stranger);
            case "no-kid":
                header.Remove("kid");
                return Jwt.Sign(header, payload, stranger);
            case "tampered-payload":
                payload["sub"] = "admin";
                return parts[0] + "." + Jwt.Encode(payload) + "." + parts[2];
            case "tampered-signature":
                return parts[0] + "." + parts[1] + "." + (parts[2][0] == 'A' ? 'B' : 'A') + parts[2][1..];
            case "signature-of-another-token":
            {
                payload["sub"] = "admin";
                var other = Jwt.Sign(header, payload, stranger).Split('.');
                return parts[0] + "." + other[1] + "." + parts[2];
            }

            case "wrong-issuer-signed-by-another-key":
                payload["iss"] = "https://evil.example/auth";
                return Jwt.Sign(header, payload, stranger);
            case "issuer-changed-signature-kept":
                payload["iss"] = "https://evil.example/auth";
                return parts[0] + "." + Jwt.Encode(payload) + "." + parts[2];
            case "expired-signed-with-the-server-key":
            {
                payload["iat"] = now - 7200;
                payload["exp"] = now - 10;
                var (kid, key) = await Jwt.ServerKeyAsync(_server);
                using (key)
                {
                    header["kid"] = kid;
                    return Jwt.Sign(header, payload, key);
                }
            }

            case "not-yet-valid-signed-by-another-key":
                payload["nbf"] = now + 3600;
                payload["iat"] = now + 3600;
                payload["exp"] = now + 7200;
                return Jwt.Sign(header, payload, stranger);
            case "wrong-claim-types-signed-with-the-server-key":
            {
                payload["sub"] = 42;
                payload["exp"] = "tomorrow";
                var (kid, key) = await Jwt.ServerKeyAsync(_server);
                using (key)
                {
                    header["kid"] = kid;
                    return Jwt.Sign(header, payload, key);
                }
            }

            case "payload-not-an-object-signed-with-the-server-key":
            {
                var (kid, key) = await Jwt.ServerKeyAsync(_server);
                using (key)
                {
                    header["kid"] = kid;
                    var input = Jwt.Encode(header) + "." + Jwt.Encode(new JsonArray("alice"));
                    return input + "." + Jwt.Encode(key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
                }
            }

            case "malformed-base64":
                return parts[0] + ".!!$$%%^^." + parts[2];
            case "malformed-json":
                return parts[0] + "." + Jwt.Encode(Encoding.UTF8.GetBytes("{\"sub\":\"alice\",")) + "." + parts[2];
            case "two-segments":
                return parts[0] + "." + parts[1];
            case "four-segments":
                return valid + "." + parts[2];
            case "empty":
                return "..";
            case "huge-20kb":
                payload["pad"] = new string('x', 20_000);
                return parts[0] + "." + Jwt.Encode(payload) + "." + parts[2];
            case "no-version-header":
                header.Remove("version");
                return Jwt.Encode(header) + "." + parts[1] + "." + parts[2];
            case "numeric-version-header":
                header["version"] = 5;
                return Jwt.Encode(header) + "." + parts[1] + "." + parts[2];
            case "typ-missing":
                header.Remove("typ");
                return Jwt.Encode(header) + "." + parts[1] + "." + parts[2];
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }
}
