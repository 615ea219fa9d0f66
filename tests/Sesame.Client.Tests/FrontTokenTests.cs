using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Sesame.Client;
using Sesame.Client.Internal;

namespace Sesame.Client.Tests;

/// <summary>Decoding the front token (docs/protocol/wire-format.md), once per token snapshot.</summary>
public sealed class FrontTokenTests
{
    [Fact]
    public void Front_token_decodes_user_id_expiry_and_payload()
    {
        var token = FrontToken.TryParse(Base64("""{"uid":"user-1","ate":1700000000123,"up":{"sub":"user-1","role":["a","b"]}}"""));

        Assert.NotNull(token);
        Assert.Equal("user-1", token.UserId);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1700000000123), token.AccessTokenExpiresAt);
        Assert.Equal(2, token.Payload.GetProperty("role").GetArrayLength());
    }

    [Theory]
    [InlineData("""{"uid":"u","ate":1}""")]
    [InlineData("""{"uid":"u","ate":1,"up":"not an object"}""")]
    public void Front_token_without_an_object_payload_has_an_empty_object(string json)
    {
        var token = FrontToken.TryParse(Base64(json));

        Assert.NotNull(token);
        Assert.Equal(System.Text.Json.JsonValueKind.Object, token.Payload.ValueKind);
        Assert.Empty(token.Payload.EnumerateObject());
    }

    [Fact]
    public void Front_token_absurd_expiry_saturates_instead_of_throwing()
    {
        Assert.Equal(DateTimeOffset.MaxValue, FrontToken.TryParse(Base64("""{"uid":"u","ate":1e300}"""))!.AccessTokenExpiresAt);
        Assert.Equal(DateTimeOffset.MinValue, FrontToken.TryParse(Base64("""{"uid":"u","ate":-1e300}"""))!.AccessTokenExpiresAt);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(" ")]
    [InlineData("not base64!")]
    [InlineData("bm90IGpzb24=")] // "not json"
    [InlineData("WzFd")] // [1]
    [InlineData("eyJ1aWQiOjEsImF0ZSI6MX0=")] // {"uid":1,"ate":1}
    [InlineData("eyJ1aWQiOiJ1In0=")] // {"uid":"u"}
    public void Front_token_unreadable_is_null(string? value) => Assert.Null(FrontToken.TryParse(value));

    [Fact]
    public void Session_tokens_decode_the_front_token_once_per_snapshot()
    {
        var tokens = new SessionTokens { FrontToken = Base64("""{"uid":"u","ate":1,"up":{}}""") };

        Assert.Same(tokens.DecodedFrontToken, tokens.DecodedFrontToken);
        Assert.Null((tokens with { FrontToken = "garbage" }).DecodedFrontToken);
    }

    private static string Base64(string json) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(json));
}
