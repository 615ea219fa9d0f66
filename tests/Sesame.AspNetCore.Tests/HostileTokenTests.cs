using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Sesame.Testing.Server;

namespace Sesame.AspNetCore.Tests;

/// <summary>One server and one valid token shared by the hostile-token cases (none of them changes server state).</summary>
public sealed class HostileTokenFixture : IAsyncLifetime
{
    public SesameTestServer Server { get; private set; } = null!;

    public string ValidToken { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Server = await SesameTestServer.StartAsync(o => o.AccessTokenLifetime = TimeSpan.FromMinutes(5));
        using var client = new HeaderSession(Server);
        await client.LoginAsync("u1");
        ValidToken = client.AccessToken!;
    }

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();
}

public sealed class HostileTokenTests(HostileTokenFixture fixture) : IClassFixture<HostileTokenFixture>
{
    private readonly SesameTestServer _server = fixture.Server;
    private readonly string _valid = fixture.ValidToken;

    public static TheoryData<string> Cases =>
    [
        "alg-none", "hs256-with-public-key", "wrong-key", "unknown-kid", "tampered-payload", "tampered-signature",
        "malformed-base64", "malformed-json", "two-parts", "empty-parts", "huge-20kb", "no-version", "numeric-version", "typ-missing",
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Hostile_access_token_in_header_gets_401_never_500(string kind)
    {
        using var client = new HeaderSession(_server) { AccessToken = Make(kind) };
        var response = await client.SendAsync(HttpMethod.Get, "/");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(await response.MessageAsync(), new[] { "try refresh token", "unauthorised" });
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Hostile_access_token_in_cookie_gets_401_never_500(string kind)
    {
        using var http = new HttpClient { BaseAddress = _server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add("Cookie", "sAccessToken=" + Uri.EscapeDataString(Make(kind)));
        var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Expired_token_gets_try_refresh()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await SesameTestServer.StartAsync(o => o.AccessTokenLifetime = TimeSpan.FromMinutes(5), time);
        using var client = new HeaderSession(server);
        await client.LoginAsync("u1");
        time.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal("try refresh token", await (await client.SendAsync(HttpMethod.Get, "/")).MessageAsync());
    }

    [Fact]
    public async Task Tampered_signature_gets_try_refresh_not_unauthorised()
    {
        using var client = new HeaderSession(_server) { AccessToken = Make("tampered-signature") };
        Assert.Equal("try refresh token", await (await client.SendAsync(HttpMethod.Get, "/")).MessageAsync());
    }

    [Fact]
    public async Task Valid_token_still_works_after_hostile_ones()
    {
        using var client = new HeaderSession(_server) { AccessToken = Make("unknown-kid") };
        await client.SendAsync(HttpMethod.Get, "/");
        client.AccessToken = _valid;
        Assert.Equal("u1", await (await client.SendAsync(HttpMethod.Get, "/")).BodyAsync());
    }

    private string Make(string kind)
    {
        var parts = _valid.Split('.');
        var header = Jwt.Header(_valid);
        var payload = Jwt.Payload(_valid);
        switch (kind)
        {
            case "alg-none":
                header["alg"] = "none";
                return Jwt.Encode(header) + "." + parts[1] + ".";
            case "hs256-with-public-key":
            {
                header["alg"] = "HS256";
                var signingInput = Jwt.Encode(header) + "." + parts[1];
                var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes("public key bytes"), Encoding.ASCII.GetBytes(signingInput));
                return signingInput + "." + Jwt.Base64Url(mac);
            }
            case "wrong-key":
            {
                using var rsa = RSA.Create(2048);
                var key = new RsaSecurityKey(rsa) { KeyId = (string)header["kid"]! };
                return new JsonWebTokenHandler().CreateToken(payload.ToJsonString(), new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
                    new Dictionary<string, object> { ["version"] = "5" });
            }
            case "unknown-kid":
            {
                using var rsa = RSA.Create(2048);
                var key = new RsaSecurityKey(rsa) { KeyId = "d-1" };
                return new JsonWebTokenHandler().CreateToken(payload.ToJsonString(), new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
                    new Dictionary<string, object> { ["version"] = "5" });
            }
            case "tampered-payload":
                payload["sub"] = "admin";
                return parts[0] + "." + Jwt.Encode(payload) + "." + parts[2];
            case "tampered-signature":
                return parts[0] + "." + parts[1] + "." + (parts[2][0] == 'A' ? 'B' : 'A') + parts[2][1..];
            case "malformed-base64":
                return parts[0] + ".!!!*&^%." + parts[2];
            case "malformed-json":
                return parts[0] + "." + Jwt.Base64Url(Encoding.UTF8.GetBytes("{\"sub\":")) + "." + parts[2];
            case "two-parts":
                return parts[0] + "." + parts[1];
            case "empty-parts":
                return "..";
            case "huge-20kb":
                payload["pad"] = new string('x', 20_000);
                return parts[0] + "." + Jwt.Encode(payload) + "." + parts[2];
            case "no-version":
                header.Remove("version");
                return Jwt.Encode(header) + "." + parts[1] + "." + parts[2];
            case "numeric-version":
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
