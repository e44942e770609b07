using Stlm.Model.LibTorch;

namespace Stlm.Tests.Model.LibTorch;

public class TorchScopeTests
{
    [Fact]
    public void Tensors_made_in_a_scope_are_freed_at_its_end()
    {
        Tensor a, b;
        using (var scope = TorchScope.Begin())
        {
            a = Torch.Ones([3]);
            b = a * 2;
            Assert.Equal(2, scope.Count);
        }
        Assert.True(a.IsDisposed);
        Assert.True(b.IsDisposed);
    }

    [Fact]
    public void Kept_tensors_move_to_the_enclosing_scope()
    {
        Tensor kept, moved, dropped;
        using (var outer = TorchScope.Begin())
        {
            using (var inner = TorchScope.Begin())
            {
                kept = inner.Keep(Torch.Ones([2]) + 1);
                moved = (Torch.Ones([2]) * 3).MoveToOuterScope();
                dropped = Torch.Ones([2]);
            }
            Assert.True(dropped.IsDisposed);
            Assert.False(kept.IsDisposed);
            Assert.Equal([2f, 2f], kept.ToArray<float>());
            Assert.Equal([3f, 3f], moved.ToArray<float>());
            Assert.Equal(2, outer.Count);
        }
        Assert.True(kept.IsDisposed);
        Assert.True(moved.IsDisposed);
    }

    [Fact]
    public void Keeping_from_the_outermost_scope_leaves_the_tensor_to_its_owner()
    {
        Tensor survivor;
        using (var scope = TorchScope.Begin()) survivor = scope.Keep(Torch.Ones([2]));
        Assert.False(survivor.IsDisposed);
        using (TorchScope.Begin()) Assert.Equal(2f, survivor.Sum().Item<float>());
        survivor.Dispose();
        Assert.True(survivor.IsDisposed);
    }

    [Fact]
    public void Tensors_outside_any_scope_live_until_disposed()
    {
        var t = Torch.Ones([2]);
        using (TorchScope.Begin()) _ = t + 1;
        Assert.False(t.IsDisposed);
        t.Dispose();
        t.Dispose();
        Assert.True(t.IsDisposed);
    }

    [Fact]
    public void Detached_from_scopes_a_tensor_outlives_its_scope()
    {
        Tensor parameter;
        using (TorchScope.Begin()) parameter = Torch.Randn([2]).DetachFromScopes();
        Assert.False(parameter.IsDisposed);
        parameter.Dispose();
    }

    [Fact]
    public void Keep_refuses_a_tensor_of_another_scope()
    {
        using var outer = TorchScope.Begin();
        var t = Torch.Ones([1]);
        using var inner = TorchScope.Begin();
        Assert.Throws<InvalidOperationException>(() => inner.Keep(t));
    }
}
