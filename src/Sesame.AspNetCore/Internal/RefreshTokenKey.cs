using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;
using Sesame.AspNetCore.Storage;

namespace Sesame.AspNetCore.Internal;

/// <summary>A refresh-token MAC key: its id (carried in new refresh tokens) and secret.</summary>
internal sealed record RefreshTokenKey(string KeyId, byte[] Secret);
