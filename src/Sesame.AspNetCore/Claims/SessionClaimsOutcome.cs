using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sesame.AspNetCore.Claims;

/// <summary>What claim validation decided for a request, kept in its features for the 403 answer (see <c>SessionAnswers.InvalidClaimAsync</c>).</summary>
/// <param name="Errors">The failed validators, in validator order.</param>
/// <param name="SessionGone">The session disappeared while a refetched claim was being stored (its tokens are cleared): answer "unauthorised".</param>
internal sealed record SessionClaimsOutcome(IReadOnlyList<ClaimValidationError> Errors, bool SessionGone)
{
    // Not HTML: only what JSON requires is escaped, as JSON.stringify does.
    private static readonly JsonWriterOptions BodyOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The reference's 403 body: <c>{"message":"invalid claim","claimValidationErrors":[{"id":…,"reason":…}]}</c>.</summary>
    public static byte[] InvalidClaimBody(IReadOnlyList<ClaimValidationError> errors)
    {
        var list = new JsonArray();
        foreach (var error in errors)
        {
            var item = new JsonObject { ["id"] = error.Id };
            if (error.Reason is not null)
            {
                item["reason"] = error.Reason.DeepClone(); // an absent reason is left out, as JSON.stringify drops undefined
            }

            list.Add(item);
        }

        var body = new JsonObject { ["message"] = "invalid claim", ["claimValidationErrors"] = list };
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, BodyOptions))
        {
            body.WriteTo(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }
}
