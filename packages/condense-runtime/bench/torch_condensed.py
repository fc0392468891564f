"""PyTorch side of bench/vs-onnxruntime.mjs: a condensed CondenseNet written with
torch.nn.functional from the reference's module semantics (not the authors' classes, so that it
runs on the state_dict alone), fed the weights the bench exported with `encodeReferenceFile`.

Usage: python3 torch_condensed.py MODEL.pth THREADS  (threads for the logits command)
Then one JSON command per stdin line, one JSON reply per stdout line:
  {"op": "logits", "input": "X.f32", "batch": N, "output": "Y.f32"}  NCHW float32 in [0, 1]
  {"op": "time", "batch": N, "threads": T, "seconds": S, "minRuns": M}  -> {"ms": median run, "runs": n, "cpuPerWall": x}
A long-lived process, so the bench can interleave it with the other runtimes round by round.
"""
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

EPS = 1e-5


def batch_norm_relu(x, sd, prefix):
    return F.relu(F.batch_norm(x, sd[prefix + '.running_mean'], sd[prefix + '.running_var'],
                               sd[prefix + '.weight'], sd[prefix + '.bias'], False, 0.0, EPS))


def shuffle(x, groups):
    n, c, h, w = x.shape
    return x.view(n, groups, c // groups, h, w).transpose(1, 2).contiguous().view(n, c, h, w)


def forward(x, sd, config, mean, std):
    x = (x - mean) / std
    x = F.conv2d(x, sd['features.init_conv.weight'], stride=config['stemStride'], padding=1)
    for b, layers in enumerate(config['stages'], start=1):
        for j in range(1, layers + 1):
            p = f'features.denseblock_{b}.denselayer_{j}'
            y = torch.index_select(x, 1, sd[p + '.conv_1.index'])
            y = batch_norm_relu(y, sd, p + '.conv_1.norm')
            y = shuffle(F.conv2d(y, sd[p + '.conv_1.conv.weight'], groups=config['group1x1']), config['group1x1'])
            y = batch_norm_relu(y, sd, p + '.conv_2.norm')
            y = F.conv2d(y, sd[p + '.conv_2.conv.weight'], padding=1, groups=config['group3x3'])
            x = torch.cat([x, y], 1)
        if b < len(config['stages']):
            x = F.avg_pool2d(x, 2)
    x = batch_norm_relu(x, sd, 'features.norm_last')
    x = F.avg_pool2d(x, config['poolSize']).flatten(1)
    x = torch.index_select(x, 1, sd['classifier.index'])
    return F.linear(x, sd['classifier.linear.weight'], sd['classifier.linear.bias'])


def main():
    path, threads = sys.argv[1], int(sys.argv[2])
    torch.set_num_threads(threads)
    saved = torch.load(path, weights_only=True)
    sd = saved['state_dict']
    description = json.loads(saved['condensenet'])
    config = description['config']
    mean = torch.tensor(description['normalization']['mean']).view(1, -1, 1, 1)
    std = torch.tensor(description['normalization']['std']).view(1, -1, 1, 1)
    shape = (config['inputChannels'], config['inputSize'], config['inputSize'])
    run = lambda x: forward(x, sd, config, mean, std)
    print(json.dumps({'torch': torch.__version__}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        with torch.no_grad():
            if cmd['op'] == 'logits':
                torch.set_num_threads(threads)
                x = torch.from_numpy(np.fromfile(cmd['input'], dtype='<f4').reshape(cmd['batch'], *shape))
                run(x).numpy().astype('<f4').tofile(cmd['output'])
                print(json.dumps({'ok': True}), flush=True)
            else:
                torch.set_num_threads(cmd['threads'])
                x = torch.rand(cmd['batch'], *shape)
                run(x)
                times, wall0, cpu0 = [], time.perf_counter(), time.process_time()
                while time.perf_counter() - wall0 < cmd['seconds'] or len(times) < cmd['minRuns']:
                    t = time.perf_counter()
                    run(x)
                    times.append((time.perf_counter() - t) * 1000)
                cpu_per_wall = (time.process_time() - cpu0) / (time.perf_counter() - wall0)
                print(json.dumps({'ms': float(np.median(times)), 'runs': len(times), 'cpuPerWall': cpu_per_wall}), flush=True)


main()
