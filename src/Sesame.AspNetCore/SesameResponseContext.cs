using Microsoft.AspNetCore.Http;

namespace Sesame.AspNetCore;

/// <summary>
/// What a hook that answers a request learns, and how it replaces the answer, in the shape of <c>JwtBearerChallengeContext</c>: change
/// <see cref="StatusCode"/> to keep the protocol's body with another status, or write the whole answer and call
/// <see cref="HandleResponse"/> so Sesame writes nothing. Never contains a token. One instance per answer; not thread-safe.
/// </summary>
/// <remarks>
/// The official JavaScript client and <c>Sesame.Client</c> act on the default statuses and bodies (refresh on "try refresh token", sign
/// the user out on "unauthorised", read <c>claimValidationErrors</c> on the invalid-claim status): change them only for requests those
/// clients do not make, or keep what they read (docs/authorization.md#server-hooks).
/// </remarks>
public abstract class SesameResponseContext
{
    private protected SesameResponseContext(HttpContext httpContext, int statusCode)
    {
        HttpContext = httpContext;
        StatusCode = statusCode;
    }

    /// <summary>The request being answered.</summary>
    public HttpContext HttpContext { get; }

    /// <summary>The status of the default answer (from <see cref="SesameServerOptions"/>); a handler may change it.</summary>
    public int StatusCode { get; set; }

    /// <summary>Whether a handler wrote the answer itself (<see cref="HandleResponse"/>).</summary>
    public bool Handled { get; private set; }

    /// <summary>Tells Sesame that the handler wrote the answer: Sesame writes neither status nor body.</summary>
    public void HandleResponse() => Handled = true;
}
