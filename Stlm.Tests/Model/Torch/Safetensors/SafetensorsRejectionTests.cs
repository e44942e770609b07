using System.Text;
using Stlm.Model.LibTorch.Safetensors;

namespace Stlm.Tests.Model.LibTorch.Safetensors;

/// <summary>Every check of the reference reader, each a SafetensorsException naming the problem.</summary>
public class SafetensorsRejectionTests
{
    static byte[] Image(string headerJson, int dataBytes) => Image(Encoding.UTF8.GetBytes(headerJson), dataBytes);

    static byte[] Image(byte[] header, int dataBytes) =>
        BitConverter.GetBytes((ulong)header.Length).Concat(header).Concat(new byte[dataBytes]).ToArray();

    static SafetensorsException Refused(byte[] image, SafetensorsProblem expected)
    {
        var e = Assert.Throws<SafetensorsException>(() => SafetensorsFile.FromBytes(image, "bad.safetensors"));
        Assert.Equal(expected, e.Problem);
        Assert.StartsWith("bad.safetensors: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }

    static string One(string dtype, string shape, long begin, long end) =>
        $$$"""{"t":{"dtype":"{{{dtype}}}","shape":{{{shape}}},"data_offsets":[{{{begin}}},{{{end}}}]}}""";

    [Fact]
    public void A_file_shorter_than_the_length_prefix_is_refused() =>
        Refused([1, 0, 0], SafetensorsProblem.HeaderTooSmall);

    [Fact]
    public void A_header_length_below_two_is_refused() =>
        Refused(Image("{", 0), SafetensorsProblem.HeaderTooSmall);

    [Fact]
    public void A_header_length_beyond_the_file_is_refused()
    {
        var image = Image("{}", 0);
        image[0] = 50;
        Refused(image, SafetensorsProblem.HeaderBeyondFile);
    }

    [Fact]
    public void A_header_length_above_the_cap_is_refused()
    {
        var image = new byte[16];
        BitConverter.GetBytes((ulong)SafetensorsHeader.MaxHeaderBytes + 1).CopyTo(image, 0);
        var e = Refused(image, SafetensorsProblem.HeaderTooLarge);
        Assert.Contains("100000001", e.Message);
    }

    [Fact]
    public void A_header_that_is_not_utf8_is_refused() =>
        Refused(Image([(byte)'{', 0xff, 0xfe, (byte)'}'], 0), SafetensorsProblem.HeaderNotUtf8);

    [Fact]
    public void A_header_not_starting_with_a_brace_is_refused() =>
        Refused(Image(" {}", 0), SafetensorsProblem.HeaderStart);

    [Theory]
    [InlineData("{\"t\":")]
    [InlineData("{\"t\":{\"dtype\":\"F32\",}}")]
    [InlineData("{} {}")]
    [InlineData("{}x")]
    public void A_header_that_is_not_json_is_refused(string json) =>
        Refused(Image(json, 0), SafetensorsProblem.HeaderNotJson);

    [Fact]
    public void An_unknown_dtype_is_refused()
    {
        var e = Refused(Image(One("F31", "[1]", 0, 4), 4), SafetensorsProblem.UnknownDType);
        Assert.Contains("'F31'", e.Message);
    }

    [Fact]
    public void Dtype_names_are_case_sensitive() =>
        Refused(Image(One("f32", "[1]", 0, 4), 4), SafetensorsProblem.UnknownDType);

    [Fact]
    public void A_size_not_matching_dtype_times_shape_is_refused() =>
        Refused(Image(One("F32", "[2,3]", 0, 20), 20), SafetensorsProblem.SizeMismatch);

    [Theory]
    [InlineData("[-1,3]")]
    [InlineData("[1.5]")]
    [InlineData("[\"2\"]")]
    [InlineData("[99999999999999999999]")]
    public void Invalid_shapes_are_refused(string shape) =>
        Refused(Image(One("F32", shape, 0, 0), 0), SafetensorsProblem.InvalidShape);

    [Fact]
    public void A_shape_whose_size_overflows_is_refused() =>
        Refused(Image(One("F64", "[4294967296,4294967296]", 0, 0), 0), SafetensorsProblem.InvalidShape);

    [Fact]
    public void Sub_byte_tensors_not_filling_whole_bytes_are_refused() =>
        Refused(Image(One("F4", "[3]", 0, 2), 2), SafetensorsProblem.InvalidShape);

    [Fact]
    public void Offsets_ending_before_they_begin_are_refused() =>
        Refused(Image(One("U8", "[0]", 4, 0), 4), SafetensorsProblem.OffsetsOutOfOrder);

    [Fact]
    public void Overlapping_tensors_are_refused()
    {
        var json = """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""";
        var e = Refused(Image(json, 12), SafetensorsProblem.Overlap);
        Assert.Contains("'b'", e.Message);
    }

    [Fact]
    public void A_gap_between_tensors_is_refused()
    {
        var json = """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""";
        Refused(Image(json, 12), SafetensorsProblem.Gap);
    }

    [Fact]
    public void A_gap_before_the_first_tensor_is_refused() =>
        Refused(Image(One("F32", "[1]", 4, 8), 8), SafetensorsProblem.Gap);

    [Fact]
    public void Trailing_bytes_after_the_last_tensor_are_refused()
    {
        var e = Refused(Image(One("F32", "[1]", 0, 4), 7), SafetensorsProblem.TrailingBytes);
        Assert.Contains("3 trailing bytes", e.Message);
    }

    [Fact]
    public void A_truncated_data_buffer_is_refused() =>
        Refused(Image(One("F32", "[4]", 0, 16), 10), SafetensorsProblem.Truncated);

    [Fact]
    public void Duplicate_tensor_names_are_refused()
    {
        var json = """{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}""";
        Refused(Image(json, 2), SafetensorsProblem.DuplicateName);
    }

    [Theory]
    [InlineData("""{"__metadata__":{"k":1}}""")]
    [InlineData("""{"__metadata__":[]}""")]
    [InlineData("""{"t":{"dtype":"U8","shape":[0]}}""")]
    [InlineData("""{"t":{"dtype":"U8","shape":[0],"data_offsets":[0]}}""")]
    [InlineData("""{"t":[1]}""")]
    public void A_header_of_the_wrong_shape_is_refused(string json) =>
        Refused(Image(json, 0), SafetensorsProblem.HeaderShape);

    [Fact]
    public void A_missing_file_is_one_clear_line()
    {
        var e = Assert.Throws<Stlm.Model.StlmException>(() => SafetensorsFile.Open("/nonexistent/x.safetensors"));
        Assert.Contains("/nonexistent/x.safetensors", e.Message);
    }

    [Fact]
    public void A_folder_is_refused_with_a_clear_line()
    {
        var e = Assert.Throws<Stlm.Model.StlmException>(() => SafetensorsFile.Open(Path.GetTempPath()));
        Assert.Contains("is a folder", e.Message);
    }

    [Fact]
    public void An_empty_file_on_disk_is_refused()
    {
        var path = Path.Combine(Path.GetTempPath(), $"stlm-empty-{Guid.NewGuid():N}.safetensors");
        File.WriteAllBytes(path, []);
        try
        {
            var e = Assert.Throws<SafetensorsException>(() => SafetensorsFile.Open(path));
            Assert.Equal(SafetensorsProblem.HeaderTooSmall, e.Problem);
        }
        finally { File.Delete(path); }
    }
}
