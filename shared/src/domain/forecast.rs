//! A person's cost forecast (seed 004's plan): a least-squares line through
//! the last months' (events serviced, cost) points, read at next month's
//! scheduled events. Statistics, so `f64`; money enters and leaves as
//! cents.

/// At least this many months with data before a line is fitted.
pub const MIN_POINTS: usize = 3;

/// A fitted line `cost = slope × events + intercept` and how well it fits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    pub slope: f64,
    pub intercept: f64,
    /// The share of the cost's variance the line explains (1 when the
    /// costs do not vary and the line hits every point).
    pub r2: f64,
}

impl Fit {
    pub fn at(&self, x: f64) -> f64 {
        self.slope * x + self.intercept
    }
}

/// Why no line was fitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FitError {
    /// Fewer than `MIN_POINTS` points (how many there are).
    TooFew(usize),
    /// Every point has the same `x`: no line is defined.
    NoSpread,
}

/// Ordinary least squares over `(x, y)` points.
pub fn least_squares(points: &[(f64, f64)]) -> Result<Fit, FitError> {
    if points.len() < MIN_POINTS {
        return Err(FitError::TooFew(points.len()));
    }
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    if sxx == 0.0 {
        return Err(FitError::NoSpread);
    }
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    let ss_tot: f64 = points.iter().map(|p| (p.1 - my).powi(2)).sum();
    let ss_res: f64 = points.iter().map(|p| (p.1 - (slope * p.0 + intercept)).powi(2)).sum();
    let r2 = if ss_tot == 0.0 { 1.0 } else { 1.0 - ss_res / ss_tot };
    Ok(Fit { slope, intercept, r2 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn the_worked_example_fits_slope_0_6_intercept_2_2_r2_0_6() {
        // x̄ = 3, ȳ = 4, Sxy = 6, Sxx = 10: slope 0.6, intercept 2.2;
        // residuals −0.8, 0.6, 1, −0.6, −0.2: SSres 2.4 of SStot 6.
        let f = least_squares(&[(1.0, 2.0), (2.0, 4.0), (3.0, 5.0), (4.0, 4.0), (5.0, 5.0)]).unwrap();
        assert!(close(f.slope, 0.6) && close(f.intercept, 2.2) && close(f.r2, 0.6), "{f:?}");
        assert!(close(f.at(6.0), 5.8));
    }

    #[test]
    fn a_perfect_line_has_r2_one() {
        // Cost 500.00 a month plus 120.00 an event, in cents.
        let pts: Vec<(f64, f64)> = [2.0, 5.0, 9.0].iter().map(|&x| (x, 50_000.0 + 12_000.0 * x)).collect();
        let f = least_squares(&pts).unwrap();
        assert!(close(f.slope, 12_000.0) && close(f.intercept, 50_000.0) && close(f.r2, 1.0), "{f:?}");
        let flat = least_squares(&[(1.0, 7.0), (2.0, 7.0), (3.0, 7.0)]).unwrap();
        assert!(close(flat.slope, 0.0) && close(flat.r2, 1.0), "{flat:?}");
    }

    #[test]
    fn too_few_points_or_no_spread_fit_nothing() {
        assert_eq!(least_squares(&[(1.0, 2.0), (2.0, 3.0)]), Err(FitError::TooFew(2)));
        assert_eq!(least_squares(&[]), Err(FitError::TooFew(0)));
        assert_eq!(least_squares(&[(4.0, 2.0), (4.0, 3.0), (4.0, 9.0)]), Err(FitError::NoSpread));
    }
}
