using System.Runtime.CompilerServices;

namespace Sesame.Client.Internal;

/// <summary>
/// Redirects of the requests a session handler sends. A primary handler that follows redirects itself re-sends every header of the first
/// request to wherever a <c>Location</c> points (.NET strips only <c>Authorization</c>), and hands back the last hop's response as if it were
/// the API's: the session's cookie header would reach another host, and that host's session headers would be stored. So the library turns
/// automatic redirects off on the primary handlers it configures and the <see cref="SessionHandler"/> follows them itself, hop by hop, with
/// .NET's own rules (<see cref="TryCreateNextHop"/>) plus a scope check on every hop (docs/security.md, finding 1).
/// </summary>
internal static class Redirects
{
    // The primary handlers whose redirects a session handler follows (the library switched their AllowAutoRedirect off). Weak: the
    // handler factory rotates primary handlers.
    private static readonly ConditionalWeakTable<HttpMessageHandler, object> s_takenOver = new();

    /// <summary>Switches automatic redirects off on <paramref name="primary"/> and records that the session handlers above it follow them
    /// instead. A handler that already does not follow redirects (the app's or RestSharp's choice) is left alone; in a browser
    /// (Blazor WebAssembly) fetch follows redirects under the browser's own cookie rules and a manual redirect is opaque, so nothing changes.</summary>
    public static void TakeOver(HttpMessageHandler primary)
    {
        if (OperatingSystem.IsBrowser())
        {
            return;
        }

        switch (primary)
        {
            case SocketsHttpHandler { AllowAutoRedirect: true } sockets:
                sockets.AllowAutoRedirect = false;
                s_takenOver.AddOrUpdate(primary, sockets);
                break;
            case HttpClientHandler { AllowAutoRedirect: true } client:
                client.AllowAutoRedirect = false;
                s_takenOver.AddOrUpdate(primary, client);
                break;
        }
    }

    /// <summary>Switches automatic redirects off for good (the refresh client: a refresh that is redirected is a failed refresh).</summary>
    public static void Refuse(HttpMessageHandler primary)
    {
        if (OperatingSystem.IsBrowser())
        {
            return;
        }

        switch (primary)
        {
            case SocketsHttpHandler sockets:
                sockets.AllowAutoRedirect = false;
                break;
            case HttpClientHandler client:
                client.AllowAutoRedirect = false;
                break;
        }
    }

    /// <summary>How many redirects the session handler whose inner chain starts at <paramref name="inner"/> follows: the primary handler's
    /// <c>MaxAutomaticRedirections</c> if the library took its redirects over, else -1 (none: the primary follows them, or nobody should).
    /// A session handler further down the same chain is told not to follow redirects: the outermost one owns the session and the hops.</summary>
    public static int MaxRedirectsBelow(HttpMessageHandler? inner)
    {
        for (var current = inner; current is not null; current = (current as DelegatingHandler)?.InnerHandler)
        {
            if (current is SessionHandler nested)
            {
                nested.DoNotFollowRedirects();
            }

            if (current is not DelegatingHandler && s_takenOver.TryGetValue(current, out var primary))
            {
                return primary switch
                {
                    SocketsHttpHandler sockets => sockets.MaxAutomaticRedirections,
                    HttpClientHandler client => client.MaxAutomaticRedirections,
                    _ => -1,
                };
            }
        }

        return -1;
    }

    /// <summary>True for the statuses .NET follows: 300, 301, 302, 303, 307, 308.</summary>
    public static bool IsRedirect(int status) => status is 300 or 301 or 302 or 303 or 307 or 308;

    /// <summary>
    /// The request of the next hop, built like .NET's own redirect handler does it: the <c>Location</c> (relative to the current hop) must be
    /// http(s) and never go from https to http; 301/302/300 turn a POST into a GET and 303 turns anything but GET/HEAD into a GET (without
    /// body); 307/308 keep method and body (the session handler's bodies are buffered, so they can go out again); <c>Authorization</c> is
    /// dropped (the session handler adds the session's own again on an in-scope hop). Other headers and the options are copied from
    /// <paramref name="original"/>. False when the response is not a redirect that can be followed.
    /// </summary>
    public static bool TryCreateNextHop(HttpRequestMessage original, HttpRequestMessage current, HttpResponseMessage response, out HttpRequestMessage next)
    {
        next = null!;
        var status = (int)response.StatusCode;
        if (!IsRedirect(status) || response.Headers.Location is not { } location || current.RequestUri is not { IsAbsoluteUri: true } from)
        {
            return false;
        }

        if (!location.IsAbsoluteUri)
        {
            location = new Uri(from, location);
        }

        var toHttps = location.Scheme == Uri.UriSchemeHttps;
        if (!(toHttps || (location.Scheme == Uri.UriSchemeHttp && from.Scheme == Uri.UriSchemeHttp)))
        {
            return false;
        }

        var method = current.Method;
        var content = current.Content;
        var forceGet = status switch
        {
            300 or 301 or 302 => method == HttpMethod.Post,
            303 => method != HttpMethod.Get && method != HttpMethod.Head,
            _ => false,
        };
        if (forceGet)
        {
            method = HttpMethod.Get;
            content = null;
        }

        next = new HttpRequestMessage(method, location)
        {
            Version = original.Version,
            VersionPolicy = original.VersionPolicy,
            Content = content,
        };
        foreach (var header in original.Headers.NonValidated)
        {
            next.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        next.Headers.Remove(HeaderNames.Authorization);
        if (forceGet && next.Headers.TransferEncodingChunked == true)
        {
            next.Headers.TransferEncodingChunked = false;
        }

        foreach (var option in original.Options)
        {
            ((IDictionary<string, object?>)next.Options)[option.Key] = option.Value;
        }

        SessionRequestOptions.ClearHandled(next);
        return true;
    }

    /// <summary>Removes everything that carries or announces a session from a hop outside the scope: cookies, <c>Authorization</c>, the
    /// anti-CSRF token and every session header (<c>rid</c>, <c>fdi-version</c>, <c>st-*</c>), whoever set them.</summary>
    public static void StripSession(HttpRequestMessage hop)
    {
        var headers = hop.Headers;
        headers.Remove(HeaderNames.Authorization);
        headers.Remove(HeaderNames.Cookie);
        headers.Remove(HeaderNames.AntiCsrf);
        headers.Remove(HeaderNames.Rid);
        headers.Remove(HeaderNames.FdiVersion);
        List<string>? sessionHeaders = null;
        foreach (var header in headers.NonValidated)
        {
            if (header.Key.StartsWith("st-", StringComparison.OrdinalIgnoreCase))
            {
                (sessionHeaders ??= []).Add(header.Key);
            }
        }

        if (sessionHeaders is not null)
        {
            foreach (var name in sessionHeaders)
            {
                headers.Remove(name);
            }
        }
    }
}
