//! The embedded intent classifier: multinomial logistic regression over tf-idf weighted word,
//! bigram and character n-gram features, trained by L-BFGS on the
//! workspace's example phrases. Deterministic: the same examples give the same model.

use std::collections::VecDeque;

/// The vocabulary's keys are already hashes; SipHash over them again cost a third of
/// classifying a message.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

use super::features::{extract, Family};
use super::{Classification, Intent, IntentError};

/// L2 penalty. Smaller fits the examples harder (an admin's intent with 8 examples needs that)
/// and gives more extreme probabilities; larger blurs every answer towards the class prior.
const L2: f32 = 0.0002;
/// L-BFGS stops when every partial derivative is below this, when an iteration no longer
/// improves the loss, or after `MAX_ITERATIONS`; past that point the answers no longer change.
const GRADIENT_TOLERANCE: f32 = 1e-5;
const MAX_ITERATIONS: usize = 150;
/// Step/gradient-change pairs L-BFGS remembers.
const HISTORY: usize = 6;
const MAX_BACKTRACKS: usize = 30;
/// Sufficient decrease (Armijo) constant of the line search.
const ARMIJO: f32 = 1e-4;

/// A sparse, unit-length feature vector: (feature index, value), indices ascending.
type Vector = Vec<(u32, f32)>;

/// A trained intent model. Immutable: share it (in an `Arc`) and train a new one when the
/// workspace's examples change.
#[derive(Debug, Clone)]
pub struct Classifier {
    /// The intents the model can answer, in the order of each feature's weights and of `bias`.
    keys: Vec<String>,
    /// Hashed feature → column; features never seen in training are ignored.
    vocabulary: HashMap<u64, u32>,
    family: Vec<Family>,
    idf: Vec<f32>,
    /// Feature-major: the weights of column `c` for every intent are
    /// `weights[c * keys.len()..(c + 1) * keys.len()]`, so a message touches one contiguous slice
    /// per feature.
    weights: Vec<f32>,
    bias: Vec<f32>,
}

impl Classifier {
    /// Learns the intents from their examples. Intents without examples are left out (the model
    /// never answers them); keys must be valid and distinct, and some intent needs an example.
    pub fn train(intents: &[Intent]) -> Result<Self, IntentError> {
        let mut seen = std::collections::HashSet::new();
        for intent in intents {
            super::check_key(&intent.key)?;
            if !seen.insert(intent.key.as_str()) {
                return Err(IntentError::DuplicateKey(intent.key.clone()));
            }
        }
        let taught: Vec<&Intent> = intents
            .iter()
            .filter(|i| i.examples.iter().any(|e| !e.trim().is_empty()))
            .collect();
        if taught.is_empty() {
            return Err(IntentError::NoExamples);
        }

        let mut vocabulary = HashMap::default();
        let mut family = Vec::new();
        let mut documents: Vec<(usize, Vec<u32>)> = Vec::new();
        for (class, intent) in taught.iter().enumerate() {
            for example in intent.examples.iter().filter(|e| !e.trim().is_empty()) {
                let mut columns: Vec<u32> = extract(example)
                    .into_iter()
                    .map(|(fam, id)| {
                        *vocabulary.entry(id).or_insert_with(|| {
                            family.push(fam);
                            (family.len() - 1) as u32
                        })
                    })
                    .collect();
                columns.sort_unstable();
                columns.dedup();
                documents.push((class, columns));
            }
        }

        let mut df = vec![0u32; family.len()];
        for (_, columns) in &documents {
            for &c in columns {
                df[c as usize] += 1;
            }
        }
        let n = documents.len() as f32;
        let idf = df
            .iter()
            .map(|&d| ((1.0 + n) / (1.0 + d as f32)).ln() + 1.0)
            .collect();

        let mut model = Self {
            keys: taught.iter().map(|i| i.key.clone()).collect(),
            vocabulary,
            family,
            idf,
            weights: Vec::new(),
            bias: Vec::new(),
        };
        let samples: Vec<(usize, Vector)> = documents
            .into_iter()
            .map(|(class, columns)| (class, model.weigh(columns)))
            .collect();
        let (weights, bias) = fit(&samples, model.keys.len(), model.family.len());
        model.weights = weights;
        model.bias = bias;
        Ok(model)
    }

    /// The most probable intent of `text` and its probability.
    pub fn classify(&self, text: &str) -> Classification {
        let ranked = self.rank(text);
        let (intent, confidence) = ranked.into_iter().next().expect("a trained class");
        Classification { intent, confidence }
    }

    /// Every intent the model knows with its probability, most probable first (ties by key).
    pub fn rank(&self, text: &str) -> Vec<(String, f32)> {
        let x = self.vectorise(text);
        let mut p = self.bias.clone();
        add_scores(&mut p, &self.weights, &x);
        softmax_in_place(&mut p);
        let mut ranked: Vec<(String, f32)> = self.keys.iter().cloned().zip(p).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        ranked
    }

    /// The intent keys the model can answer, in training order.
    pub fn intents(&self) -> &[String] {
        &self.keys
    }

    fn vectorise(&self, text: &str) -> Vector {
        let mut columns: Vec<u32> = extract(text)
            .into_iter()
            .filter_map(|(_, id)| self.vocabulary.get(&id).copied())
            .collect();
        columns.sort_unstable();
        columns.dedup();
        self.weigh(columns)
    }

    /// Presence × idf, each family scaled to unit length and then by its weight, and the whole
    /// to unit length (which keeps `STEP_SIZE` valid).
    fn weigh(&self, columns: Vec<u32>) -> Vector {
        let mut vector: Vector = columns
            .into_iter()
            .map(|c| (c, self.idf[c as usize]))
            .collect();
        for fam in Family::ALL {
            let norm = vector
                .iter()
                .filter(|(c, _)| self.family[*c as usize] == fam)
                .map(|(_, v)| v * v)
                .sum::<f32>()
                .sqrt();
            if norm > 0.0 {
                for (c, v) in vector.iter_mut() {
                    if self.family[*c as usize] == fam {
                        *v *= fam.weight() / norm;
                    }
                }
            }
        }
        let norm = vector.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            for (_, v) in vector.iter_mut() {
                *v /= norm;
            }
        }
        vector
    }
}

/// Adds `x`'s score for each class to `scores` (feature-major `weights`, see [`Classifier`]).
fn add_scores(scores: &mut [f32], weights: &[f32], x: &Vector) {
    let classes = scores.len();
    for &(c, v) in x {
        let row = &weights[c as usize * classes..(c as usize + 1) * classes];
        for (s, w) in scores.iter_mut().zip(row) {
            *s += w * v;
        }
    }
}

/// Minimises the class-balanced mean cross-entropy plus `L2`/2·‖W‖² (bias unpenalised) with
/// L-BFGS, as common logistic-regression trainers do: a few dozen iterations reach the optimum
/// that plain gradient descent needs hundreds of steps for. Balancing gives an intent with 8
/// examples the same pull as one with 30, so an admin's new intent is not drowned by the
/// defaults. Returns feature-major weights and the biases.
fn fit(samples: &[(usize, Vector)], classes: usize, dims: usize) -> (Vec<f32>, Vec<f32>) {
    let objective = Objective::new(samples, classes, dims);
    let mut theta = vec![0.0f32; classes * dims + classes];
    let mut grad = vec![0.0f32; theta.len()];
    let mut loss = objective.evaluate(&theta, &mut grad);
    let mut history: VecDeque<Curvature> = VecDeque::with_capacity(HISTORY);
    let mut next = vec![0.0f32; theta.len()];
    let mut next_grad = vec![0.0f32; theta.len()];

    for _ in 0..MAX_ITERATIONS {
        if grad.iter().all(|g| g.abs() < GRADIENT_TOLERANCE) {
            break;
        }
        let direction = two_loop(&grad, &history);
        let slope = dot(&grad, &direction);
        if slope >= 0.0 {
            // Not a descent direction (numerical trouble): start the history afresh.
            history.clear();
            continue;
        }
        // Backtracking line search (Armijo). The first step has no curvature yet: keep it short.
        let mut step = if history.is_empty() {
            1.0 / norm(&grad).max(1.0)
        } else {
            1.0
        };
        let mut accepted = None;
        for _ in 0..MAX_BACKTRACKS {
            for ((n, t), d) in next.iter_mut().zip(&theta).zip(&direction) {
                *n = t + step * d;
            }
            let next_loss = objective.evaluate(&next, &mut next_grad);
            if next_loss <= loss + ARMIJO * step * slope {
                accepted = Some(next_loss);
                break;
            }
            step *= 0.5;
        }
        let Some(next_loss) = accepted else { break };
        let step: Vec<f32> = next.iter().zip(&theta).map(|(n, t)| n - t).collect();
        let change: Vec<f32> = next_grad.iter().zip(&grad).map(|(n, g)| n - g).collect();
        let curvature = dot(&step, &change);
        if curvature > 1e-10 {
            if history.len() == HISTORY {
                history.pop_front();
            }
            history.push_back(Curvature {
                step,
                change,
                rho: 1.0 / curvature,
            });
        }
        std::mem::swap(&mut theta, &mut next);
        std::mem::swap(&mut grad, &mut next_grad);
        let improvement = loss - next_loss;
        loss = next_loss;
        if improvement <= loss.abs() * 1e-7 {
            break;
        }
    }
    let bias = theta.split_off(classes * dims);
    (theta, bias)
}

/// One L-BFGS memory: a step, the gradient change it caused, and 1 / their dot product.
struct Curvature {
    step: Vec<f32>,
    change: Vec<f32>,
    rho: f32,
}

/// L-BFGS' two-loop recursion: −H·grad for the inverse-Hessian estimate `H` built from the
/// recent curvature pairs, oldest first.
fn two_loop(grad: &[f32], history: &VecDeque<Curvature>) -> Vec<f32> {
    let mut q = grad.to_vec();
    let mut alphas = Vec::with_capacity(history.len());
    for pair in history.iter().rev() {
        let alpha = pair.rho * dot(&pair.step, &q);
        axpy(-alpha, &pair.change, &mut q);
        alphas.push(alpha);
    }
    if let Some(pair) = history.back() {
        let gamma = dot(&pair.step, &pair.change) / dot(&pair.change, &pair.change);
        q.iter_mut().for_each(|v| *v *= gamma);
    }
    for (pair, alpha) in history.iter().zip(alphas.iter().rev()) {
        let beta = pair.rho * dot(&pair.change, &q);
        axpy(alpha - beta, &pair.step, &mut q);
    }
    q.iter_mut().for_each(|v| *v = -*v);
    q
}

/// The training loss over flat parameters: `classes × dims` feature-major weights, then the
/// `classes` biases.
struct Objective<'a> {
    samples: &'a [(usize, Vector)],
    classes: usize,
    dims: usize,
    /// Each class carries 1/classes of the loss, shared among its examples.
    sample_weight: Vec<f32>,
}

impl<'a> Objective<'a> {
    fn new(samples: &'a [(usize, Vector)], classes: usize, dims: usize) -> Self {
        let mut per_class = vec![0usize; classes];
        for (class, _) in samples {
            per_class[*class] += 1;
        }
        let sample_weight = per_class
            .iter()
            .map(|&n| 1.0 / (classes as f32 * n.max(1) as f32))
            .collect();
        Self {
            samples,
            classes,
            dims,
            sample_weight,
        }
    }

    /// The loss at `theta`, with its gradient written to `grad`.
    fn evaluate(&self, theta: &[f32], grad: &mut [f32]) -> f32 {
        let split = self.classes * self.dims;
        let (w, b) = theta.split_at(split);
        let mut loss = 0.0f64;
        for (g, wj) in grad[..split].iter_mut().zip(w) {
            *g = L2 * wj;
            loss += f64::from(0.5 * L2 * wj * wj);
        }
        grad[split..].fill(0.0);
        let mut residual = vec![0.0f32; self.classes];
        for (class, x) in self.samples {
            residual.copy_from_slice(b);
            add_scores(&mut residual, w, x);
            softmax_in_place(&mut residual);
            let weight = self.sample_weight[*class];
            loss -= f64::from(weight * residual[*class].max(f32::MIN_POSITIVE).ln());
            for (k, r) in residual.iter_mut().enumerate() {
                *r = weight * (*r - if k == *class { 1.0 } else { 0.0 });
                grad[split + k] += *r;
            }
            for &(c, v) in x {
                let start = c as usize * self.classes;
                for (g, r) in grad[start..start + self.classes].iter_mut().zip(&residual) {
                    *g += r * v;
                }
            }
        }
        loss as f32
    }
}

/// Eight running sums, so the compiler can vectorise the loop (and rounding stays small).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let (a_chunks, b_chunks) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a_chunks
        .remainder()
        .iter()
        .zip(b_chunks.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a_chunks.zip(b_chunks) {
        for ((lane, xi), yi) in lanes.iter_mut().zip(x).zip(y) {
            *lane += xi * yi;
        }
    }
    lanes.iter().sum::<f32>() + tail
}

fn norm(a: &[f32]) -> f32 {
    dot(a, a).sqrt()
}

/// y ← y + a·x
fn axpy(a: f32, x: &[f32], y: &mut [f32]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

fn softmax_in_place(scores: &mut [f32]) {
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for s in scores.iter_mut() {
        *s = (*s - max).exp();
        sum += *s;
    }
    for s in scores.iter_mut() {
        *s /= sum;
    }
}
