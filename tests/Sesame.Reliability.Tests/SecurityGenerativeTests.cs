using System.Net;
using System.Text;
using Sesame.Client;
using Sesame.Reliability.Tests.Infrastructure;

namespace Sesame.Reliability.Tests;

/// <summary>
/// Random mutations (fixed seed, so every run tries the same cases) of real access tokens, refresh tokens, request headers and
/// token files. The server must never answer 5xx, and never accept a mutated token unless it decodes to the very same bytes.
/// </summary>
public sealed class SecurityGenerativeTests
{
    private const int Seed = 20_260_611;
    private const int AccessTokenCases = 1200;
    private const int RefreshTokenCases = 600;
    private const int HeaderCases = 600;
    private const int FileCases = 600;

    // Characters that can appear in a header value; ';' ',' '"' and spaces are left out so a mutation stays one cookie / one token.
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/!$%&'()*:<>?@[]^`{|}~";

    [Fact]
    public async Task Security_generative_mutated_tokens_headers_and_files_never_5xx_never_accepted_unless_unchanged()
    {
        await using var server = await Servers.StartAsync(o => o.AccessTokenLifetime = TimeSpan.FromHours(1));
        using var raw = new Raw(server);
        var alice = await raw.LoginHeaderAsync("alice");
        var bob = await raw.LoginHeaderAsync("bob");
        var carol = await raw.LoginHeaderAsync("carol");
        var random = new Random(Seed);
        var outcomes = new SortedDictionary<string, int>(StringComparer.Ordinal);

        void Count(string what, HttpStatusCode status)
        {
            var key = what + " " + (int)status;
            outcomes[key] = outcomes.GetValueOrDefault(key) + 1;
        }

        // 1. Access tokens (header or cookie), spliced with another user's token now and then.
        for (var i = 0; i < AccessTokenCases; i++)
        {
            var mutated = Mutate(alice.AccessToken, bob.AccessToken, random);
            var viaCookie = random.Next(3) == 0;
            using var response = viaCookie
                ? await raw.GetAsync("/", decorate: r => r.Headers.TryAddWithoutValidation("Cookie", "sAccessToken=" + mutated))
                : await raw.GetAsync("/", mutated);
            Count("access-token", response.StatusCode);
            var body = await response.Content.ReadAsStringAsync();
            Assert.False(response.IsServerError(), $"case {i}: {(int)response.StatusCode} for {mutated}");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var owner = body == "alice" ? alice.AccessToken : body == "bob" ? bob.AccessToken : null;
                Assert.True(owner is not null && Jwt.SameBytes(mutated, owner), $"case {i}: mutated token accepted as '{body}': {mutated}");
            }
        }

        var sameBytesReplays = 0;

        // 2. Refresh tokens of a live session. A refused one must be a plain "unauthorised" (never theft: nothing of ours was replayed).
        for (var i = 0; i < RefreshTokenCases; i++)
        {
            var mutated = Mutate(carol.RefreshToken, bob.RefreshToken, random);
            using var response = await raw.RefreshAsync(mutated);
            Count("refresh-token", response.StatusCode);
            Assert.False(response.IsServerError(), $"case {i}: {(int)response.StatusCode} for {mutated}");
            var message = await response.MessageAsync();
            var same = Jwt.SameBytes(mutated, carol.RefreshToken) || Jwt.SameBytes(mutated, bob.RefreshToken);
            if (!same)
            {
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                Assert.Equal("unauthorised", message);
            }
            else if (message == "token theft detected")
            {
                // A different text for the same bytes is not the token we issued: treated as a replay. Start a new session.
                sameBytesReplays++;
                carol = await raw.LoginHeaderAsync("carol");
            }
        }

        // Theft is only ever raised for a same-bytes variant of a token we issued, never for a forgery.
        Assert.Equal(sameBytesReplays, server.TheftDetectedCount);

        // 3. Request headers around a valid token: transfer mode, rid, anti-CSRF, cookies, Authorization schemes, on several endpoints.
        string[] paths = ["/", "/echo", "/check-rid", "/update-jwt", server.RefreshUri.AbsolutePath];
        for (var i = 0; i < HeaderCases; i++)
        {
            var path = paths[random.Next(paths.Length)];
            var method = path == "/" || path == "/check-rid" || (path == "/update-jwt" && random.Next(2) == 0) ? HttpMethod.Get : HttpMethod.Post;
            var authorization = random.Next(6) switch
            {
                0 => "Bearer " + alice.AccessToken,
                1 => "bearer " + alice.AccessToken,
                2 => "Bearer " + Mutate(alice.AccessToken, bob.AccessToken, random),
                3 => "Basic " + Convert.ToBase64String(Encoding.ASCII.GetBytes("alice:secret")),
                4 => "Bearer " + RandomText(random, random.Next(0, 64)),
                _ => null,
            };
            var sent = new List<string>();
            if (authorization?.StartsWith("Bearer ", StringComparison.Ordinal) == true)
            {
                sent.Add(authorization["Bearer ".Length..]);
            }

            using var response = await raw.SendAsync(method, path, decorate: r =>
            {
                if (authorization is not null)
                {
                    r.Headers.TryAddWithoutValidation("Authorization", authorization);
                }

                foreach (var name in new[] { "st-auth-mode", "rid", "anti-csrf", "Cookie", "front-token", "st-access-token" })
                {
                    if (random.Next(2) == 0)
                    {
                        var cookieToken = Mutate(alice.AccessToken, bob.AccessToken, random);
                        if (name == "Cookie")
                        {
                            sent.Add(cookieToken);
                        }

                        r.Headers.TryAddWithoutValidation(name, name == "Cookie"
                            ? $"sAccessToken={cookieToken}; sRefreshToken={RandomText(random, 40)}"
                            : RandomText(random, random.Next(0, 80)));
                    }
                }
            });
            Count("headers", response.StatusCode);
            Assert.False(response.IsServerError(), $"case {i}: {(int)response.StatusCode} on {method} {path}");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                Assert.True(sent.Any(t => Jwt.SameBytes(t, alice.AccessToken) || Jwt.SameBytes(t, bob.AccessToken)),
                    $"case {i}: {method} {path} accepted without the valid token; sent {string.Join(" | ", sent)}");
            }
        }

        // 4. Token files: byte-level mutations of a real file. Loading never throws; tokens read from a damaged file are never accepted
        //    unless they are the original ones.
        var folder = Directory.CreateTempSubdirectory("sesame-reliability-gen-");
        try
        {
            var file = Path.Combine(folder.FullName, "tokens.json");
            using (var store = new FileTokenStore(file))
            {
                await store.UpdateAsync(_ => new SessionTokens
                {
                    AccessToken = alice.AccessToken,
                    RefreshToken = alice.RefreshToken,
                    FrontToken = "eyJ1aWQiOiJhbGljZSJ9",
                    LastAccessTokenUpdate = 1,
                }, CancellationToken.None);
            }

            var original = await File.ReadAllBytesAsync(file);
            for (var i = 0; i < FileCases; i++)
            {
                await File.WriteAllBytesAsync(file, MutateBytes(original, random));
                SessionTokens loaded;
                using (var store = new FileTokenStore(file))
                {
                    loaded = store.Current;
                }

                if (loaded.AccessToken is null)
                {
                    Count("file unreadable-or-no-token", HttpStatusCode.OK);
                    continue;
                }

                using var response = await raw.GetAsync("/", loaded.AccessToken);
                Count("file token", response.StatusCode);
                Assert.False(response.IsServerError(), $"file case {i}: {(int)response.StatusCode}");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Assert.True(Jwt.SameBytes(loaded.AccessToken, alice.AccessToken), $"file case {i}: a damaged token was accepted");
                }
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }

        foreach (var (outcome, count) in outcomes)
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"{outcome}: {count}");
        }
    }

    private static string Mutate(string token, string other, Random random)
    {
        var text = new StringBuilder(token);
        var operations = 1 + random.Next(3);
        for (var op = 0; op < operations; op++)
        {
            switch (random.Next(9))
            {
                case 0 when text.Length > 0: // replace one character
                    text[random.Next(text.Length)] = Alphabet[random.Next(Alphabet.Length)];
                    break;
                case 1 when text.Length > 0: // delete one character
                    text.Remove(random.Next(text.Length), 1);
                    break;
                case 2: // insert one character
                    text.Insert(random.Next(text.Length + 1), Alphabet[random.Next(Alphabet.Length)]);
                    break;
                case 3 when text.Length > 1: // truncate
                    text.Length = random.Next(text.Length);
                    break;
                case 4: // splice a segment of another user's token in
                {
                    var mine = text.ToString().Split('.');
                    var theirs = other.Split('.');
                    var at = random.Next(Math.Min(mine.Length, theirs.Length));
                    mine[at] = theirs[at];
                    text.Clear().Append(string.Join('.', mine));
                    break;
                }

                case 5: // duplicate or drop a segment
                {
                    var parts = text.ToString().Split('.').ToList();
                    var at = random.Next(parts.Count);
                    if (random.Next(2) == 0)
                    {
                        parts.Insert(at, parts[at]);
                    }
                    else if (parts.Count > 1)
                    {
                        parts.RemoveAt(at);
                    }

                    text.Clear().Append(string.Join('.', parts));
                    break;
                }

                case 6 when text.Length > 0: // flip the case of a letter
                {
                    var at = random.Next(text.Length);
                    text[at] = char.IsUpper(text[at]) ? char.ToLowerInvariant(text[at]) : char.ToUpperInvariant(text[at]);
                    break;
                }

                case 7: // append garbage
                    text.Append(RandomText(random, 1 + random.Next(20)));
                    break;
                default: // change the last character (base64url spare bits: may decode to the same bytes)
                    if (text.Length > 0)
                    {
                        text[^1] = Alphabet[random.Next(64)];
                    }

                    break;
            }
        }

        return text.ToString();
    }

    private static byte[] MutateBytes(byte[] original, Random random)
    {
        var bytes = original.ToList();
        var operations = 1 + random.Next(4);
        for (var op = 0; op < operations && bytes.Count > 0; op++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(5))
            {
                case 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 1:
                    bytes.RemoveAt(at);
                    break;
                case 2:
                    const string Inserts = "{}[]\",:\\0aZ\u00ff";
                    bytes.Insert(at, (byte)Inserts[random.Next(Inserts.Length)]);
                    break;
                case 3:
                    bytes.RemoveRange(at, bytes.Count - at); // truncated
                    break;
                default:
                    bytes[at] = (byte)(bytes[at] ^ (1 << random.Next(8)));
                    break;
            }
        }

        return [.. bytes];
    }

    private static string RandomText(Random random, int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = Alphabet[random.Next(Alphabet.Length)];
        }

        return new string(chars);
    }
}
