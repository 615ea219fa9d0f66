using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Sesame.Client;

namespace Sesame.AspNetCore.Identity.Tests;

using TokenTransferMethod = Sesame.Client.TokenTransferMethod;

/// <summary>One client device: the Sesame .NET client (its own token store) in front of an <see cref="HttpClient"/> to one server.</summary>
public sealed class Device : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public Device(IdentityTestHost host, FakeTimeProvider time, TokenTransferMethod method = TokenTransferMethod.Header)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddSesameClient(o =>
        {
            o.ApiDomain = host.BaseAddress.ToString();
            o.TokenTransferMethod = method;
        });
        services.AddHttpClient("api", c => c.BaseAddress = host.BaseAddress).AddSessionHandler();
        _services = services.BuildServiceProvider();
        Api = _services.GetRequiredService<IHttpClientFactory>().CreateClient("api");
        Session = _services.GetRequiredService<ISessionClient>();
    }

    public HttpClient Api { get; }

    public ISessionClient Session { get; }

    /// <summary><c>POST /login</c> with <c>MapIdentityApi</c>'s body; returns the status and the problem's <c>detail</c> (null on success).</summary>
    public async Task<(int Status, string? Detail)> LoginAsync(string email, string password, string? twoFactorCode = null,
        string? recoveryCode = null)
    {
        using var response = await Api.PostAsJsonAsync("/login",
            new { email, password, twoFactorCode, twoFactorRecoveryCode = recoveryCode });
        var body = await response.Content.ReadAsStringAsync();
        string? detail = null;
        if (body.Length > 0 && JsonDocument.Parse(body).RootElement.TryGetProperty("detail", out var d))
        {
            detail = d.GetString();
        }

        return ((int)response.StatusCode, detail);
    }

    public async Task<(int Status, string Body)> GetAsync(string path)
    {
        using var response = await Api.GetAsync(path);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task<(int Status, JsonElement Body)> PostJsonAsync(string path, object body)
    {
        using var response = await Api.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}

/// <summary>An authenticator app: the RFC 6238 code (HMAC-SHA1, 30 s, 6 digits) of a base32 shared key.</summary>
public static class Authenticator
{
    public static string Code(string sharedKey, DateTimeOffset now)
    {
        var key = Base32Decode(sharedKey);
        var step = now.ToUnixTimeSeconds() / 30;
        Span<byte> counter = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(counter, step);
#pragma warning disable CA5350 // RFC 6238 authenticators use HMAC-SHA1, and so does Identity's authenticator token provider
        var hash = HMACSHA1.HashData(key, counter);
#pragma warning restore CA5350
        var offset = hash[^1] & 0x0f;
        var binary = ((hash[offset] & 0x7f) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        return (binary % 1_000_000).ToString("D6");
    }

    private static byte[] Base32Decode(string input)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var clean = input.Trim().TrimEnd('=').Replace(" ", "").ToUpperInvariant();
        var bytes = new List<byte>(clean.Length * 5 / 8);
        int buffer = 0, bits = 0;
        foreach (var c in clean)
        {
            buffer = (buffer << 5) | alphabet.IndexOf(c);
            bits += 5;
            if (bits >= 8)
            {
                bytes.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }
        }

        return [.. bytes];
    }
}
