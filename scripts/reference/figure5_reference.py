"""Reference numbers for the project's Figure 5 (src/gradcheck.rs's tests).

Independent of gradlab: numpy only, float64 throughout, with its own softmax
(through log-sum-exp), its own cost, its own vectorised gradient and its own
forward differences. It reads nothing from the repository; the test case is
written out below as the project states it. The numbers it prints are pinned
in src/gradcheck.rs.

    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install numpy
    /tmp/ref/bin/python scripts/reference/figure5_reference.py

Every number is printed as repr() of a float64: the shortest decimal (at most
17 significant digits) that reads back as exactly the same float64, so a Rust
literal copied from it is the value numpy computed.

Last, it recomputes the table with the sums of the cost taken in 300 random
orders (plain Python loops, seeded), and prints for each h how far those
tables stray from numpy's, as factors. For small h the total error is
round-off, whose exact value depends on that order: this is what the band
in the Rust test for h = 1e-7 .. 1e-9 rests on.
"""

import numpy as np

# The project's test case: X is 5 x 4 with every row [1, 2, 3, 4] (row 0 is
# the bias row of ones in the project's layout, here simply part of the
# case), W is 5 x 4, Y the 4 x 4 identity (image j is of class j).
X = np.array([[1.0, 2.0, 3.0, 4.0]] * 5)
W = np.array(
    [
        [1.0, 0.0, 1.2, 3.0],
        [1.0, 2.0, 0.2, 1.2],
        [1.0, 8.0, 1.0, 4.0],
        [1.0, -2.0, 3.0, 1.0],
        [1.0, 0.0, 3.0, 1.0],
    ]
)
Y = np.eye(4)
STEPS = [10.0**-d for d in range(10)]


def log_softmax(z):
    """Column-wise log softmax: z - m - log(sum exp(z - m)), m the column max."""
    m = z.max(axis=0, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=0, keepdims=True))


def cost(w):
    """C = -sum(Y * log P) with P = softmax(W^T X), summed over all images."""
    return -np.sum(Y * log_softmax(w.T @ X))


def vectorised_gradient(w):
    """dC/dW = X (P - Y)^T, which is n x k like W."""
    p = np.exp(log_softmax(w.T @ X))
    return X @ (p - Y).T


def forward_differences(w, h):
    """(C(W + h e_ij) - C(W)) / h for every weight, one at a time."""
    base = cost(w)
    g = np.zeros_like(w)
    for i in range(w.shape[0]):
        for j in range(w.shape[1]):
            nudged = w.copy()
            nudged[i, j] += h
            g[i, j] = (cost(nudged) - base) / h
    return g


def cost_in_order(w, rows, classes, images):
    """C(W) with every sum taken in the given orders, one float64 at a time."""
    total = 0.0
    for j in images:
        z = [0.0] * 4
        for k in range(4):
            for i in rows:
                z[k] += float(w[i, k]) * float(X[i, j])
        m = max(z)
        sum_exp = 0.0
        for k in classes:
            sum_exp += float(np.exp(z[k] - m))
        log_sum = float(np.log(sum_exp))
        for k in classes:
            total -= float(Y[k, j]) * (z[k] - m - log_sum)
    return total


def order_spread(g, reference, n_orders=300, seed=0):
    """The lowest and highest total error over random orders, per h, as factors
    of `reference` (numpy's table)."""
    rng = np.random.default_rng(seed)
    lowest = {h: np.inf for h in STEPS}
    highest = {h: 0.0 for h in STEPS}
    for _ in range(n_orders):
        orders = [list(rng.permutation(n)) for n in (5, 4, 4)]
        base = cost_in_order(W, *orders)
        for h in STEPS:
            total = 0.0
            for i in range(5):
                for j in range(4):
                    nudged = W.copy()
                    nudged[i, j] += h
                    estimate = (cost_in_order(nudged, *orders) - base) / h
                    total += abs(g[i, j] - estimate)
            factor = total / reference[h]
            lowest[h] = min(lowest[h], factor)
            highest[h] = max(highest[h], factor)
    return lowest, highest


def show(name, a):
    print(f"{name} =")
    for row in np.atleast_2d(a):
        print("  [" + ", ".join(repr(float(v)) for v in row) + "],")


def main():
    assert X.dtype == W.dtype == Y.dtype == np.float64
    print(f"numpy {np.__version__}")
    print(f"C(W) = {float(cost(W))!r}")
    show("P", np.exp(log_softmax(W.T @ X)))
    g = vectorised_gradient(W)
    show("G", g)
    print("h, sum |G - G_forward(h)|")
    table = {}
    for h in STEPS:
        table[h] = float(np.abs(g - forward_differences(W, h)).sum())
        print(f"  {h!r}, {table[h]!r}")
    print("h, lowest and highest over 300 random orders of the sums, / the above")
    lowest, highest = order_spread(g, table)
    for h in STEPS:
        print(f"  {h!r}, {lowest[h]:.6g}, {highest[h]:.6g}")


if __name__ == "__main__":
    main()
