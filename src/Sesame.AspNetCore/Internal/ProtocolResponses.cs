using Microsoft.AspNetCore.Http;

namespace Sesame.AspNetCore.Internal;

/// <summary>The protocol's answers (docs/protocol/wire-format.md#status-codes), bodies pre-encoded once. The error answers an app may
/// change go through <see cref="SessionAnswers"/>, which raises the hooks first.</summary>
internal static class ProtocolResponses
{
    private static readonly byte[] TryRefreshBody = """{"message":"try refresh token"}"""u8.ToArray();
    private static readonly byte[] UnauthorisedBody = """{"message":"unauthorised"}"""u8.ToArray();
    private static readonly byte[] TheftBody = """{"message":"token theft detected"}"""u8.ToArray();
    private static readonly byte[] UnavailableBody = """{"message":"session store unavailable"}"""u8.ToArray();
    private static readonly byte[] InvalidClaimBody = """{"message":"invalid claim","claimValidationErrors":[]}"""u8.ToArray();
    private static readonly byte[] EmptyObjectBody = "{}"u8.ToArray();
    private static readonly byte[] SignOutBody = """{"status":"OK"}"""u8.ToArray();

    // The reference backend's wording; its test suite matches the first sentence.
    private static readonly byte[] DuplicateCookiesBody =
        """{"message":"The request contains multiple session cookies. This may happen if you've changed the cookie domain in your configuration. To clear tokens from the previous domain, set OlderCookieDomain (Session:OlderCookieDomain) in your configuration."}"""u8.ToArray();

    private static readonly byte[] OlderDomainClearedBody = """{"message":"Cleared the session cookies of the older cookie domain; send the request again."}"""u8.ToArray();

    public static Task TryRefreshAsync(HttpContext context, int status) => WriteAsync(context, status, TryRefreshBody);

    public static Task UnauthorisedAsync(HttpContext context, int status) => WriteAsync(context, status, UnauthorisedBody);

    public static Task TheftAsync(HttpContext context, int status) => WriteAsync(context, status, TheftBody);

    /// <summary>The invalid-claim answer, listing the failed claim validators (none: an empty list).</summary>
    public static Task InvalidClaimAsync(HttpContext context, int status, IReadOnlyList<Claims.ClaimValidationError> errors) =>
        WriteAsync(context, status, errors.Count == 0 ? InvalidClaimBody : Claims.SessionClaimsOutcome.InvalidClaimBody(errors));

    public static Task UnavailableAsync(HttpContext context)
    {
        context.Response.Headers.RetryAfter = "1";
        return WriteAsync(context, StatusCodes.Status503ServiceUnavailable, UnavailableBody);
    }

    public static Task RefreshedAsync(HttpContext context) => WriteAsync(context, StatusCodes.Status200OK, EmptyObjectBody);

    public static Task SignedOutAsync(HttpContext context) => WriteAsync(context, StatusCodes.Status200OK, SignOutBody);

    public static Task DuplicateCookiesAsync(HttpContext context) => WriteAsync(context, StatusCodes.Status500InternalServerError, DuplicateCookiesBody);

    public static Task OlderDomainCookiesClearedAsync(HttpContext context) => WriteAsync(context, StatusCodes.Status200OK, OlderDomainClearedBody);

    private static Task WriteAsync(HttpContext context, int status, byte[] body)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, 0, body.Length, context.RequestAborted);
    }
}
